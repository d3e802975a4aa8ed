//! Dockerfiles read the way BuildKit's Dockerfile frontend reads them
//! (docs/project-files.md): parser directives at the top (`# escape=`` ` ``),
//! comment lines (also inside a continued instruction), line continuations
//! with the escape character, and heredocs — `RUN <<EOF`, `<<-EOF` (leading
//! tabs stripped), `<<"EOF"`, several on one line — whose bodies belong to
//! their instruction and are never read as instructions. JSON (`["a",
//! "b"]`) and shell forms are kept as written; `ARG` before the first
//! `FROM` and stage names are left to the rules that use them.

/// One instruction: its keyword (upper case), its arguments (continuation
/// lines joined with a space, heredoc bodies appended after a newline), and
/// the line it starts on (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    pub keyword: String,
    pub args: String,
    pub line: usize,
}

/// The escape character a Dockerfile's parser directives choose.
fn escape_of(text: &str) -> char {
    for line in text.lines() {
        let trimmed = line.trim();
        let Some(directive) = trimmed.strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = directive.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.contains(char::is_whitespace) || name.is_empty() {
            break;
        }
        if name == "escape" {
            return match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

/// The heredoc delimiters an instruction line opens, in order, and whether
/// each strips leading tabs (`<<-`).
fn heredocs_opened(line: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'<' && bytes[i + 1] == b'<' {
            let mut j = i + 2;
            // `<<<` is a here-string of the shell, not a heredoc.
            if bytes.get(j) == Some(&b'<') {
                i += 3;
                continue;
            }
            let strip = bytes.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match bytes.get(j) {
                Some(q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(*q)
                }
                _ => None,
            };
            let start = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > start && (bytes[start].is_ascii_alphabetic() || bytes[start] == b'_') {
                let word = line[start..j].to_string();
                if quote.is_none_or(|q| bytes.get(j) == Some(&q)) {
                    out.push((word, strip));
                }
            }
            i = j.max(i + 2);
        } else {
            i += 1;
        }
    }
    out
}

/// Only these instructions take heredocs.
fn takes_heredocs(keyword: &str) -> bool {
    matches!(keyword, "RUN" | "COPY" | "ADD")
}

pub fn instructions(text: &str) -> Vec<Instruction> {
    let escape = escape_of(text);
    let mut out: Vec<Instruction> = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 0usize;
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            // Comments (and parser directives) are never part of an
            // instruction, even inside a continued one.
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if pending.is_empty() {
            pending_line = n + 1;
        }
        if let Some(head) = trimmed.strip_suffix(escape) {
            pending.push_str(head.trim_end());
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let full = std::mem::take(&mut pending);
        let mut parts = full.trim().splitn(2, char::is_whitespace);
        let Some(keyword) = parts.next().filter(|k| !k.is_empty()) else {
            continue;
        };
        let keyword = keyword.to_ascii_uppercase();
        let mut args = parts.next().unwrap_or_default().trim().to_string();
        if takes_heredocs(&keyword) {
            for (delimiter, strip_tabs) in heredocs_opened(&args) {
                let mut body = Vec::new();
                for (_, body_line) in lines.by_ref() {
                    let candidate = if strip_tabs {
                        body_line.trim_start_matches('\t')
                    } else {
                        body_line
                    };
                    if candidate.trim_end() == delimiter {
                        break;
                    }
                    body.push(candidate.to_string());
                }
                args.push('\n');
                args.push_str(&body.join("\n"));
            }
        }
        out.push(Instruction {
            keyword,
            args,
            line: pending_line,
        });
    }
    out
}

/// The instructions of the final build stage.
pub fn final_stage(ins: &[Instruction]) -> &[Instruction] {
    let start = ins.iter().rposition(|i| i.keyword == "FROM").unwrap_or(0);
    &ins[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords(text: &str) -> Vec<String> {
        instructions(text).into_iter().map(|i| i.keyword).collect()
    }

    #[test]
    fn a_heredoc_body_is_part_of_its_instruction() {
        let text =
            "FROM debian:12\nRUN <<EOF\nset -e\nUSER app\napt-get update\nEOF\nCMD [\"bash\"]\n";
        let ins = instructions(text);
        assert_eq!(keywords(text), ["FROM", "RUN", "CMD"]);
        assert!(ins[1].args.contains("USER app") && ins[1].args.contains("apt-get update"));
        assert_eq!(ins[2].line, 7);
        // Tabs stripped with <<-, quoted delimiters, two heredocs on one line.
        let text = "FROM x\nRUN <<-\"A\" <<'B'\n\techo a\n\tA\necho b\nB\nUSER nobody\n";
        assert_eq!(keywords(text), ["FROM", "RUN", "USER"]);
        // A here-string is no heredoc.
        assert_eq!(
            keywords("FROM x\nRUN cat <<< hi\nUSER app\n"),
            ["FROM", "RUN", "USER"]
        );
        // Heredocs belong to RUN, COPY and ADD only.
        assert_eq!(
            keywords("FROM x\nLABEL a=<<EOF\nUSER app\n"),
            ["FROM", "LABEL", "USER"]
        );
    }

    #[test]
    fn continuations_comments_and_the_escape_directive() {
        let text = "FROM x\nRUN apt-get update \\\n# a comment inside\n    && apt-get install -y curl\nUSER app\n";
        let ins = instructions(text);
        assert_eq!(keywords(text), ["FROM", "RUN", "USER"]);
        assert_eq!(ins[1].args, "apt-get update && apt-get install -y curl");
        let windows = "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n    && echo done\nUSER ContainerUser\n";
        let ins = instructions(windows);
        assert_eq!(keywords(windows), ["FROM", "RUN", "USER"]);
        assert_eq!(ins[1].args, "dir c:\\ && echo done");
        assert_eq!(ins[1].line, 3);
        // JSON form kept as written.
        assert_eq!(instructions("CMD [\"a\", \"b\"]")[0].args, "[\"a\", \"b\"]");
    }
}

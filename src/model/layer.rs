//! The image layer a finding's package came in with, and whether that layer
//! belongs to the base image (docs/plan.md, "Image layers").
//!
//! Trivy names the layer of each vulnerable package (`Layer.DiffID`); the
//! image's history (`Metadata.ImageConfig.history`) tells which layers the
//! base image brought. A history holds one entry per build step; steps that
//! change no files are marked `empty_layer` and have no layer. The base image
//! ends with its own `CMD` or `ENTRYPOINT`, so: skip the final image's own
//! metadata steps at the end, go back to the first `CMD`/`ENTRYPOINT` before
//! them, and every layer made before it is the base image's.

use serde::{Deserialize, Serialize};

/// Where a finding's package was installed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Layer {
    pub diff_id: String,
    /// Position among the image's layers, 1 for the oldest; unknown when the
    /// report lists no `DiffIDs` or not this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// How many layers the image has, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<u32>,
    /// The build step that made it (sanitised, cut to `CREATED_BY_MAX` characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Whether the base image brought it; unknown without a history that says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_base: Option<bool>,
}

/// Build steps are shown on one line: longer ones are cut.
pub const CREATED_BY_MAX: usize = 160;

/// One step of an image's history, as the image config records it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryStep {
    pub created_by: String,
    pub empty_layer: bool,
}

impl HistoryStep {
    /// `CMD` or `ENTRYPOINT`, written by the classic builder
    /// (`/bin/sh -c #(nop)  CMD ["bash"]`) or by BuildKit (`CMD ["bash"]`).
    fn ends_an_image(&self) -> bool {
        let step = self.created_by.trim_start();
        let step = step
            .strip_prefix("/bin/sh -c #(nop)")
            .map(str::trim_start)
            .unwrap_or(step);
        let word = step.split_whitespace().next().unwrap_or("");
        word.eq_ignore_ascii_case("CMD") || word.eq_ignore_ascii_case("ENTRYPOINT")
    }
}

/// A history step as a Dockerfile line: `/bin/sh -c #(nop) ADD file:… in /`
/// → `ADD file:… in /`, `/bin/sh -c apt-get …` (or BuildKit's `RUN /bin/sh -c
/// apt-get …`) → `RUN apt-get …`, BuildKit's
/// `# buildkit` comment dropped, runs of blanks and tabs made one space.
pub fn build_step(created_by: &str) -> String {
    let step = created_by.trim();
    let step = step.strip_suffix("# buildkit").unwrap_or(step).trim_end();
    let step = if let Some(rest) = step.strip_prefix("/bin/sh -c #(nop)") {
        rest.trim_start().to_string()
    } else if let Some(rest) = step
        .strip_prefix("/bin/sh -c ")
        .or_else(|| step.strip_prefix("RUN /bin/sh -c "))
    {
        format!("RUN {rest}")
    } else {
        step.to_string()
    };
    step.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How many of the image's layers (oldest first) the base image brought,
/// from its history; `None` when the history does not tell (no base `CMD`
/// or `ENTRYPOINT` found, or a history that does not match the layers).
pub fn base_layer_count(history: &[HistoryStep], layers: usize) -> Option<usize> {
    let with_layer = history.iter().filter(|s| !s.empty_layer).count();
    if history.is_empty() || with_layer != layers {
        return None;
    }
    // The final image's own metadata steps (its CMD, EXPOSE, ...) come last.
    let own_tail = history.iter().rev().take_while(|s| s.empty_layer).count();
    let before_tail = &history[..history.len() - own_tail];
    let end = before_tail.iter().rposition(HistoryStep::ends_an_image)?;
    let count = before_tail[..end].iter().filter(|s| !s.empty_layer).count();
    (count > 0 && count < layers).then_some(count)
}

/// The layers of an image by DiffID, numbered and told base or own.
pub fn describe_layers(diff_ids: &[String], history: &[HistoryStep]) -> Vec<Layer> {
    let base = base_layer_count(history, diff_ids.len());
    let steps: Vec<&HistoryStep> = history.iter().filter(|s| !s.empty_layer).collect();
    let of = u32::try_from(diff_ids.len()).ok();
    diff_ids
        .iter()
        .enumerate()
        .map(|(at, diff_id)| Layer {
            diff_id: crate::sanitize::sanitize_line(diff_id).into_owned(),
            number: at.checked_add(1).and_then(|n| u32::try_from(n).ok()),
            of,
            created_by: (steps.len() == diff_ids.len())
                .then(|| steps[at].created_by.as_str())
                .map(|c| {
                    let line = crate::sanitize::sanitize_line(c.trim());
                    crate::sanitize::truncate_chars(&line, CREATED_BY_MAX).into_owned()
                })
                .filter(|c| !c.is_empty()),
            from_base: base.map(|n| at < n),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(created_by: &str, empty_layer: bool) -> HistoryStep {
        HistoryStep {
            created_by: created_by.to_string(),
            empty_layer,
        }
    }

    #[test]
    fn the_base_ends_at_its_own_cmd_before_the_final_images_steps() {
        // FROM debian; RUN apt-get; COPY; ENTRYPOINT; CMD
        let history = [
            step("/bin/sh -c #(nop) ADD file:5d67 in / ", false),
            step("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", true),
            step("/bin/sh -c apt-get update", false),
            step("COPY mysecret / # buildkit", false),
            step("ENTRYPOINT [\"entrypoint.sh\"]", true),
            step("CMD [\"somecmd\"]", true),
        ];
        assert_eq!(base_layer_count(&history, 3), Some(1));
        let layers = describe_layers(&["a".into(), "b".into(), "c".into()], &history);
        assert_eq!(
            layers
                .iter()
                .map(|l| (l.number, l.from_base))
                .collect::<Vec<_>>(),
            vec![
                (Some(1), Some(true)),
                (Some(2), Some(false)),
                (Some(3), Some(false))
            ]
        );
        assert_eq!(
            layers[1].created_by.as_deref(),
            Some("/bin/sh -c apt-get update")
        );
    }

    #[test]
    fn without_a_base_cmd_or_with_a_history_that_does_not_fit_nothing_is_claimed() {
        let scratch = [
            step("COPY app / # buildkit", false),
            step("CMD [\"/app\"]", true),
        ];
        assert_eq!(base_layer_count(&scratch, 1), None);
        let base_only = [step("ADD file:1 in /", false), step("CMD [\"sh\"]", true)];
        assert_eq!(
            base_layer_count(&base_only, 1),
            None,
            "an image that is its own base has no layers of its own to tell apart"
        );
        let mismatched = [step("ADD file:1 in /", false), step("CMD [\"sh\"]", true)];
        assert_eq!(base_layer_count(&mismatched, 2), None);
        let layers = describe_layers(&["x".into(), "y".into()], &mismatched);
        assert!(layers
            .iter()
            .all(|l| l.from_base.is_none() && l.created_by.is_none()));
    }

    #[test]
    fn build_steps_read_as_dockerfile_lines() {
        assert_eq!(
            build_step("/bin/sh -c #(nop) ADD file:1c9e in / "),
            "ADD file:1c9e in /"
        );
        assert_eq!(
            build_step("/bin/sh -c set -eux; \tapt-get  update"),
            "RUN set -eux; apt-get update"
        );
        assert_eq!(
            build_step("RUN /bin/sh -c pip install -r requirements.txt # buildkit"),
            "RUN pip install -r requirements.txt"
        );
    }

    #[test]
    fn build_steps_are_sanitised_and_cut() {
        let long = format!("/bin/sh -c echo \u{1b}[31m{}", "x".repeat(400));
        let history = [
            step("ADD file:1 in /", false),
            step("CMD [\"sh\"]", true),
            step(&long, false),
        ];
        let layers = describe_layers(&["a".into(), "b".into()], &history);
        let shown = layers[1].created_by.as_deref().unwrap_or("");
        assert!(!shown.contains('\u{1b}'));
        assert!(shown.chars().count() <= CREATED_BY_MAX);
    }
}

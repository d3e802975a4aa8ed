//! Short texts that a million findings repeat (severity words, scanner
//! statuses, ecosystems, installed versions), held once and shared. A
//! `String` per finding cost a heap block each (docs/benchmarks.md, memory).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

/// Longer texts are not worth sharing.
const MAX_WORD_BYTES: usize = 64;
/// Past this many distinct words, new ones are no longer remembered (hostile
/// input cannot make the table grow without end; texts stay correct).
const MAX_WORDS: usize = 1 << 16;

/// Found by foldhash, seeded at random per process as SipHash is, at a
/// tenth of its cost for a short word (the store's reader looks up five
/// words for every finding it reads).
type Words = HashSet<Arc<str>, foldhash::fast::RandomState>;

fn table() -> &'static Mutex<Words> {
    static TABLE: OnceLock<Mutex<Words>> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(Words::default()))
}

/// `text`, shared with every other finding that holds the same word.
pub fn word(text: &str) -> Arc<str> {
    if text.len() > MAX_WORD_BYTES {
        return Arc::from(text);
    }
    let Ok(mut words) = table().lock() else {
        return Arc::from(text);
    };
    if let Some(shared) = words.get(text) {
        return Arc::clone(shared);
    }
    let shared: Arc<str> = Arc::from(text);
    if words.len() < MAX_WORDS {
        words.insert(Arc::clone(&shared));
    }
    shared
}

/// `word` for an optional text.
pub fn opt_word<S: AsRef<str>>(text: Option<S>) -> Option<Arc<str>> {
    text.map(|t| word(t.as_ref()))
}

/// `word` for each text of a list.
pub fn words<S: AsRef<str>>(texts: impl IntoIterator<Item = S>) -> Vec<Arc<str>> {
    texts.into_iter().map(|t| word(t.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_words_are_one_allocation_and_long_texts_are_not_kept() {
        let (a, b) = (word("HIGH"), word(&String::from("HIGH")));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "HIGH");
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        assert!(!Arc::ptr_eq(&word(&long), &word(&long)));
        assert_eq!(opt_word(Some("fixed")).as_deref(), Some("fixed"));
        assert_eq!(opt_word(None::<&str>), None);
    }
}

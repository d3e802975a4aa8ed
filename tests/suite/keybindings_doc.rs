//! docs/keybindings.md is generated from the key map; this test fails when
//! it is stale. `SCANDECK_UPDATE_DOCS=1 cargo test --test keybindings_doc` rewrites it.

#[test]
fn keybindings_doc_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/keybindings.md");
    let expected = scandeck::tui::keymap::KeyMap::defaults().markdown();
    if std::env::var_os("SCANDECK_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/keybindings.md is stale: run `SCANDECK_UPDATE_DOCS=1 cargo test --test keybindings_doc` and commit the result"
    );
}

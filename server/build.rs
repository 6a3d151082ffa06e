//! Joins the webchat widget from its parts (`assets/webchat/NN-*.js`, in name order) and puts
//! its stylesheet (`assets/webchat/style.css`) where `04-ui.js` marks it, so the widget is
//! authored as files that each do one job and served as the one script a website embeds.

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new("assets/webchat");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut parts: Vec<_> = fs::read_dir(dir)
        .expect("assets/webchat exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .collect();
    parts.sort();
    let mut script = String::new();
    for part in &parts {
        println!("cargo:rerun-if-changed={}", part.display());
        script.push_str(&fs::read_to_string(part).expect("readable part"));
    }
    let style_path = dir.join("style.css");
    println!("cargo:rerun-if-changed={}", style_path.display());
    let style = fs::read_to_string(&style_path).expect("assets/webchat/style.css");
    // The stylesheet goes inside a JS template literal (it may use `${DEFAULT_COLOR}`).
    assert!(!style.contains('`'), "style.css may not contain backticks");
    assert!(
        script.contains("/*@STYLE@*/\n"),
        "04-ui.js marks where the style goes"
    );
    let script = script.replacen("/*@STYLE@*/\n", &style, 1);
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("webchat.js");
    fs::write(out, script).expect("OUT_DIR is writable");
}

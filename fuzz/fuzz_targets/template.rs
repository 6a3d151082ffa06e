//! Any template against any variables (the first line is a JSON object of variables, the rest
//! the template), rendered for each place text goes: never a panic, and a JSON body built from
//! a JSON template stays JSON whatever the values hold.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shared::flow::text::{render, render_escaped, Escape, Vars};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (vars, template) = text.split_once('\n').unwrap_or(("{}", &text));
    let vars: Vars = serde_json::from_str(vars).unwrap_or_default();
    let _ = render(template, &vars);
    for escape in [Escape::Url, Escape::Header, Escape::None] {
        let _ = render_escaped(template, &vars, escape);
    }
    // A body template that is valid JSON with placeholders only inside strings stays valid.
    let body = format!("{{\"v\": \"{}\"}}", "{{x}}");
    let mut with_x = vars.clone();
    with_x.insert("x".into(), serde_json::Value::String(template.to_owned()));
    let rendered = render_escaped(&body, &with_x, Escape::Json);
    assert!(
        serde_json::from_str::<serde_json::Value>(&rendered).is_ok(),
        "{rendered}"
    );
});

//! Engine behaviour end to end: errors, limits and the Kubernetes functions.
//! (Go's output for the supported constructs is covered by
//! tests/conformance.rs and tests/differential.rs.)

use super::*;

struct Nodes(Vec<&'static str>);

impl NodeAddresses for Nodes {
    fn external_ips(&self) -> Result<Vec<String>, String> {
        Ok(self.0.iter().map(|s| s.to_string()).collect())
    }

    fn pod_node_ip(&self) -> Result<String, String> {
        self.0
            .first()
            .map(|s| s.to_string())
            .ok_or_else(|| "pod has no node".to_string())
    }
}

fn no_env(_: &str) -> Option<std::ffi::OsString> {
    None
}

fn render_with(
    common: &str,
    source: &str,
    nodes: Option<&dyn NodeAddresses>,
) -> Result<String, Error> {
    let ctx = Context {
        index: 2,
        env: &no_env,
        nodes,
    };
    let out = Templates::new(common)?.render(source, &ctx)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn render(source: &str) -> Result<String, Error> {
    render_with("", source, None)
}

fn error(source: &str) -> Error {
    render(source).expect_err(source)
}

#[test]
fn parse_errors_carry_line_and_column() {
    let e = error("--port {{ .Index ");
    assert_eq!((e.line, e.column), (1, 18));
    assert_eq!(e.message, "unclosed action");
    let e = error("a\nb {{ nope 1 }}");
    assert_eq!((e.line, e.column), (2, 6));
    assert_eq!(e.to_string(), "2:6: function \"nope\" not defined");
    let e = error("{{ if 1 }}x");
    assert_eq!(e.message, "unexpected EOF");
}

#[test]
fn unknown_and_unsupported_functions_are_parse_errors() {
    let e = render("{{ splitlist \"-\" \"a\" }}").unwrap_err();
    assert_eq!(
        e.message,
        "function \"splitlist\" not defined; did you mean \"splitList\"?"
    );
    // A parse error: the text before the action is never printed.
    let e = render("x {{ sha256sum \"a\" }}").unwrap_err();
    assert_eq!(
        e.message,
        "function \"sha256sum\" is not supported by kubevali"
    );
    assert_eq!((e.line, e.column), (1, 6));
    assert_eq!(render("{{ add 1 2 }}").unwrap(), "3");
}

#[test]
fn execution_errors_name_the_function_or_field() {
    let e = error("{{ add1 1 2 }}");
    assert_eq!(
        e.to_string(),
        "1:4: wrong number of args for add1: want 1 got 2"
    );
    assert_eq!(
        error("ab {{ div 1 0 }}").to_string(),
        "1:7: error calling div: division by zero"
    );
    assert_eq!(
        error("{{ .Nope }}").message,
        "can't evaluate field Nope in type main.Data"
    );
    assert_eq!(
        error("{{ template \"nodePort\" . }}").message,
        "no such template \"nodePort\""
    );
    assert_eq!(
        error("{{ eq .Index \"2\" }}").message,
        "error calling eq: incompatible types for comparison"
    );
}

#[test]
fn errors_inside_common_templates_say_where() {
    let common = "{{ define \"a\" }}\n  {{ div 1 0 }}{{ end }}";
    let e = render_with(common, "x{{ template \"a\" . }}", None).unwrap_err();
    assert_eq!((e.line, e.column), (1, 14));
    assert_eq!(
        e.message,
        "template \"a\": commonTemplate:2:6: error calling div: division by zero"
    );
    let e = render_with(common, "{{ include \"a\" . }}", None).unwrap_err();
    assert!(e.message.contains("commonTemplate:2:6"), "{e}");
}

#[test]
fn values_without_actions_render_their_own_text() {
    // As in the original, each value is a template of its own: the common
    // text's top level (here "top", or a `block`) never runs for it.
    let common = "top{{ define \"a\" }}A{{ end }}{{ block \"b\" . }}B{{ end }}";
    for (value, want) in [
        ("", ""),
        (" \n", " \n"),
        (" x ", " x "),
        ("{{/* off */}}", ""),
        ("{{ define \"c\" }}C{{ end }}", ""),
        ("  {{- /* c */ -}}  ", ""),
    ] {
        assert_eq!(render_with(common, value, None).unwrap(), want, "{value:?}");
    }
    assert_eq!(render_with("\n\n", "", None).unwrap(), "");
}

#[test]
fn include_sees_only_the_common_templates() {
    let e = render_with(
        "",
        "{{ define \"new\" }}{{ end }}{{ include \"new\" . }}",
        None,
    );
    assert_eq!(
        e.unwrap_err().message,
        "error calling include: template: no template \"new\" associated with template \"\""
    );
    let common = "{{ define \"greet\" }}{{ . }}{{ end }}";
    let value =
        "{{ define \"greet\" }}o{{ end }}{{ include \"greet\" . }}|{{ template \"greet\" . }}";
    assert_eq!(render_with(common, value, None).unwrap(), "{2}|o");
    // `include ""` is the common top level, not the value itself.
    assert_eq!(
        render_with("top{{ .Index }}", "{{ include \"\" . }}", None).unwrap(),
        "top2"
    );
    // Inside an include, `template` also sees the common set only.
    let common = "{{ define \"x\" }}common{{ end }}{{ define \"i\" }}{{ template \"x\" }}{{ end }}";
    let value = "{{ define \"x\" }}value{{ end }}{{ include \"i\" . }}";
    assert_eq!(render_with(common, value, None).unwrap(), "common");
}

#[test]
fn values_shadow_common_definitions() {
    let common = "{{ define \"x\" }}common{{ end }}";
    let out = render_with(
        common,
        "{{ define \"x\" }}value{{ end }}{{ template \"x\" }}",
        None,
    );
    assert_eq!(out.unwrap(), "value");
    // An empty definition never replaces a non-empty one (Go's rule).
    let out = render_with(
        common,
        "{{ define \"x\" }} {{ end }}{{ template \"x\" }}",
        None,
    );
    assert_eq!(out.unwrap(), "common");
}

#[test]
fn endless_recursion_is_an_error_not_a_stack_overflow() {
    for (common, source) in [
        (
            "",
            "{{ define \"a\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" . }}",
        ),
        (
            "{{ define \"a\" }}{{ include \"a\" . }}{{ end }}",
            "{{ include \"a\" . }}",
        ),
        (
            "{{ define \"a\" }}x{{ include \"a\" . | upper }}{{ end }}",
            "{{ template \"a\" . }}",
        ),
    ] {
        let e = render_with(common, source, None).unwrap_err();
        assert!(e.message.contains("nested"), "{e}");
        // One message, not one prefix per level.
        assert!(e.message.len() < 200, "{e}");
    }
}

#[test]
fn recursion_limit_is_one_thousand_levels() {
    // With stack to spare, the depth limit itself is what stops it.
    let result = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let deep = "{{ define \"a\" }}{{ if lt . 999 }}{{ template \"a\" (add1 .) }}{{ end }}\
                        {{ end }}{{ template \"a\" 0 }}";
            let too_deep = deep.replace("999", "1000");
            (render(deep), render(&too_deep))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result.0.unwrap(), "");
    let e = result.1.unwrap_err();
    assert!(e.message.contains("deeper than 1000"), "{e}");
}

#[test]
fn deep_nesting_in_the_source_is_refused() {
    let parens = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    assert!(error(&parens).message.contains("nesting deeper"));
    let ifs = format!("{}x{}", "{{ if 1 }}".repeat(5000), "{{ end }}".repeat(5000));
    assert!(error(&ifs).message.contains("nesting deeper"));
    let ok = format!("{{{{ {}1{} }}}}", "(".repeat(190), ")".repeat(190));
    assert_eq!(render(&ok).unwrap(), "1");
}

#[test]
fn output_and_values_are_capped_before_allocating() {
    assert!(
        error("{{ repeat 1000000000 \"x\" }}")
            .message
            .contains("larger than")
    );
    assert!(
        error("{{ indent 1000000000 \"x\" }}")
            .message
            .contains("larger than")
    );
    assert!(
        error("{{ $s := repeat 600000 \"x\" }}{{ $s }}{{ $s }}")
            .message
            .contains("output larger than")
    );
    let doubling = "{{ $l := list 1 }}{{ range until 64 }}{{ $l = list $l $l }}{{ end }}{{ $l }}";
    assert!(
        error(doubling).message.contains("larger than")
            || error(doubling).message.contains("nested")
    );
    let piling = "{{ define \"a\" }}{{ repeat 900000 \"x\" }}{{ include \"a\" . }}{{ end }}";
    let e = render_with(piling, "{{ include \"a\" . }}", None).unwrap_err();
    assert!(e.message.contains("output larger than"), "{e}");
    let hoarding = "{{ define \"a\" }}{{ $s := repeat 900000 \"x\" }}{{ template \"a\" . }}{{ end }}{{ template \"a\" . }}";
    assert!(error(hoarding).message.contains("builds more than"));
    let spin = "{{ range until 65536 }}{{ range until 65536 }}{{ end }}{{ end }}";
    assert!(error(spin).message.contains("steps"));
    assert!(
        error("{{ printf \"%9999999d\" 1 }}")
            .message
            .contains("larger than")
    );
}

#[test]
fn integer_corners_never_panic() {
    assert_eq!(
        render("{{ div -9223372036854775808 -1 }}").unwrap(),
        "-9223372036854775808"
    );
    assert_eq!(render("{{ mod -9223372036854775808 -1 }}").unwrap(), "0");
    assert_eq!(render("{{ mul 9223372036854775807 2 }}").unwrap(), "-2");
    assert_eq!(
        render("{{ add1 9223372036854775807 }}").unwrap(),
        "-9223372036854775808"
    );
    assert_eq!(render("{{ substr 1 2 \"é\" }}").unwrap(), "\u{FFFD}");
    assert!(render("{{ substr 3 1 \"abc\" }}").is_err());
    assert!(render("{{ until -9223372036854775808 }}").is_err());
    assert!(render("{{ index (list 1) 9223372036854775807 }}").is_err());
}

#[test]
fn kubernetes_functions() {
    let nodes = Nodes(vec!["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
    let r = |s: &str| render_with("", s, Some(&nodes));
    assert_eq!(r("{{ getNodeIPWithIndex 4 }}").unwrap(), "192.0.2.2");
    assert_eq!(r("{{ getNodeIPWithIndex .Index }}").unwrap(), "192.0.2.3");
    assert_eq!(r("{{ getNodeIPWithIndex -1 }}").unwrap(), "192.0.2.3");
    assert_eq!(r("{{ getPodNodeIP }}").unwrap(), "192.0.2.1");
    let random = r("{{ getRandomNodeIP }}").unwrap();
    assert!(nodes.0.contains(&random.as_str()), "{random}");

    let e = render("{{ getRandomNodeIP }}").unwrap_err();
    assert!(e.message.contains("Kubernetes API"), "{e}");
    let empty = Nodes(vec![]);
    let e = render_with("", "{{ getNodeIPWithIndex 0 }}", Some(&empty)).unwrap_err();
    assert!(e.message.contains("no node has an ExternalIP"), "{e}");
}

#[test]
fn common_template_errors() {
    let e = Templates::new("{{ define \"a\" }}")
        .err()
        .expect("unexpected EOF");
    assert_eq!(e.message, "unexpected EOF");
    assert!(Templates::new("{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}").is_err());
}

#[test]
fn parsed_templates_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
}

#[test]
fn literal_text_has_the_same_limit_as_rendered_output() {
    let limit = limits::MAX_STRING;
    assert_eq!(render(&"x".repeat(limit)).unwrap().len(), limit);
    let e = error(&"x".repeat(limit + 1));
    assert!(e.message.contains("larger than the 1048576 bytes"), "{e}");
    // Text around actions counts as output, as it always did.
    let e = error(&format!("{}{{{{ 1 }}}}", "x".repeat(limit)));
    assert!(e.message.contains("output larger than"), "{e}");
}

#[test]
fn one_budget_for_every_value_of_a_config() {
    let templates = Templates::new("").unwrap();
    let ctx = Context {
        index: 0,
        env: &no_env,
        nodes: None,
    };
    // About a tenth of the budget each: the eleventh value runs out.
    let heavy = "{{ range until 65536 }}{{ range until 14 }}{{ end }}{{ end }}";
    let results: Vec<bool> = (0..11)
        .map(|_| templates.render(heavy, &ctx).is_ok())
        .collect();
    assert!(results[..9].iter().all(|ok| *ok), "{results:?}");
    assert!(!results[10], "{results:?}");
    templates.refill_budget();
    assert!(templates.render(heavy, &ctx).is_ok());
}

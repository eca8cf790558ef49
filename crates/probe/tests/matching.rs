//! Keyword matching on whole pages, through the public API the HTTP phase uses: visible-text
//! extraction ([`text::extract`]) followed by [`KeywordMatcher::scan`].

use dragnet_domain::config::http::{KeywordKind, KeywordRule, KeywordRuleInput};
use dragnet_html as text;
use dragnet_probe::matcher::{KeywordMatcher, RuleHits};

fn rule(pattern: &str, kind: KeywordKind, case_sensitive: bool, category: &str) -> KeywordRule {
    KeywordRule::try_from(KeywordRuleInput {
        pattern: pattern.to_owned(),
        kind: Some(kind),
        case_sensitive: Some(case_sensitive),
        category: Some(category.to_owned()),
    })
    .expect("a valid rule")
}

/// A parked-domain page with the keyword `hidden` everywhere a visitor cannot see it.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <meta name="keywords" content="hidden, domain">
  <title>Diese Domain steht zum Verkauf | Example &amp; Co</title>
  <style>.hidden { display: none } /* domain for sale */</style>
  <script>window.hidden = "<p>Domain kaufen</p>";</script>
  <script type="application/ld+json">{"@type": "Offer", "name": "hidden domain"}</script>
</head>
<body>
  <!-- hidden: domain for sale -->
  <header><img src="logo.png" alt="hidden Domain"><a href="/" title="hidden">Example</a></header>
  <main>
    <h1>Diese Domain steht zum Verkauf!</h1>
    <p>Die Dom<b>ain</b> <em>example.de</em> kann f&uuml;r 1.999&nbsp;&euro; gekauft werden.
       Kontakt: <a href="mailto:sales@example.de">sales@example.de</a></p>
    <p>STRASSE, Stra&szlig;e und STRAẞE</p>
    <template><p>hidden Domain</p></template>
    <noscript><p>Bitte JavaScript aktivieren, um die Domain zu kaufen.</p></noscript>
    <svg><title>hidden</title><text>Domain</text></svg>
  </main>
  <footer><p>&copy; 2024 Example &amp; Co &middot; Domain parking</p></footer>
</body>
</html>"#;

#[test]
fn a_whole_page() {
    let rules = [
        rule("domain", KeywordKind::Literal, false, "topic"),
        rule("hidden", KeywordKind::Literal, false, "leak"),
        rule("Verkauf", KeywordKind::Literal, true, "sale"),
        rule(r"\bkauf(en)?\b", KeywordKind::Regex, false, "sale"),
        rule(r"[a-z]+@[a-z]+\.de", KeywordKind::Regex, false, "contact"),
        rule("straße", KeywordKind::Literal, false, "street"),
        rule("für 1.999 €", KeywordKind::Literal, false, "price"),
        rule("Domain", KeywordKind::Regex, true, "topic"),
        rule("nothing", KeywordKind::Literal, false, "none"),
    ];
    let page = text::extract(PAGE, 256 * 1024);
    assert_eq!(
        page.title.as_deref(),
        Some("Diese Domain steht zum Verkauf | Example & Co")
    );
    assert!(!page.visible.contains("hidden"), "{}", page.visible);
    assert!(
        page.visible
            .starts_with("Example Diese Domain steht zum Verkauf!")
    );
    let matcher = KeywordMatcher::compile(&rules).expect("rules compile");
    let hits = matcher.scan(&page);
    let summary: Vec<(usize, u32, u32)> = hits
        .iter()
        .map(|h| (h.rule, h.count, h.title_count))
        .collect();
    assert_eq!(
        summary,
        [
            // "Domain" in h1, "Dom<b>ain</b>", noscript, SVG text, footer.
            (0, 5, 1),
            (2, 1, 1),
            // "kaufen" in the noscript text; not "Verkauf", not "gekauft".
            (3, 1, 0),
            // The link text; its `mailto:` address is an attribute.
            (4, 1, 0),
            // "Straße" and "STRAẞE", not "STRASSE".
            (5, 2, 0),
            (6, 1, 0),
            (7, 5, 1),
        ]
    );
    let domain: &RuleHits = &hits[0];
    assert_eq!(domain.pattern, "domain");
    assert_eq!(domain.category.as_deref(), Some("topic"));
}

#[test]
fn plain_text_bodies() {
    let rules = [rule("<b>", KeywordKind::Literal, false, "markup")];
    let matcher = KeywordMatcher::compile(&rules).expect("rules compile");
    let page = text::plain("{\"html\": \"<b>bold</b> &amp; <b>\"}", 1024);
    assert_eq!(page.title, None);
    assert_eq!(matcher.scan(&page)[0].count, 2);
}

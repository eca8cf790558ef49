//! Contact pages (same-site links to contact, about and imprint pages, by the markers of
//! `data/contact_pages.toml`) and the organisation's name read from a page title.

use url::Url;

use super::email::percent_decode;
use super::rules::Rules;
use crate::html::{same_site, url_host};

/// Most contact pages listed per page.
pub const MAX_CONTACT_PAGES: usize = 16;
/// Longest link text looked at, in bytes.
const MAX_LINK_TEXT: usize = 200;

/// File extensions of links that are documents or media, not pages.
const NOT_PAGES: &[&str] = &[
    ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".zip", ".doc", ".docx", ".xls",
    ".xlsx", ".ppt", ".pptx", ".mp4", ".mp3", ".vcf", ".ics", ".css", ".js", ".xml", ".json",
];

/// Whether a marker of `automaton` occurs in `haystack` (lower-cased) at the start of a word
/// (for markers that start with a letter or digit).
fn has_marker(automaton: &aho_corasick::AhoCorasick, word: &[bool], haystack: &str) -> bool {
    let bytes = haystack.as_bytes();
    automaton.find_overlapping_iter(haystack).any(|m| {
        !word[m.pattern().as_usize()]
            || m.start() == 0
            || !(bytes[m.start() - 1].is_ascii_alphanumeric() || bytes[m.start() - 1] >= 0x80)
    })
}

/// Whether a link (its `href` as written, and its text) leads to a contact, about or imprint
/// page by its path, query or text.
pub(crate) fn is_contact_link(rules: &Rules, href: &str, text: &str) -> bool {
    // The path and query only: a host may contain anything.
    let after_host = match href.find("://") {
        Some(at) => {
            let rest = &href[at + 3..];
            rest.find('/').map_or("", |p| &rest[p..])
        }
        None if href.starts_with("//") => {
            let rest = &href[2..];
            rest.find('/').map_or("", |p| &rest[p..])
        }
        None => href,
    };
    let path = after_host.split('#').next().unwrap_or_default();
    // The automata fold ASCII case; only escaped or non-ASCII text needs decoding and
    // lower-casing first.
    let path_hit = if path.is_ascii() && !path.contains('%') {
        has_marker(&rules.page_paths, &rules.page_path_word, path)
    } else {
        has_marker(
            &rules.page_paths,
            &rules.page_path_word,
            &percent_decode(path).to_lowercase(),
        )
    };
    if path_hit {
        return true;
    }
    let text = &text[..text.floor_char_boundary(MAX_LINK_TEXT.min(text.len()))];
    let text = text.trim();
    if text.is_empty() {
        false
    } else if text.is_ascii() {
        has_marker(&rules.page_texts, &rules.page_text_word, text)
    } else {
        has_marker(
            &rules.page_texts,
            &rules.page_text_word,
            &text.to_lowercase(),
        )
    }
}

/// The absolute URL of a same-site contact link, without its fragment; `None` when it leads
/// elsewhere (another site, another scheme, a document, the page itself).
pub(crate) fn resolve_contact_link(base: &Url, page: &Url, href: &str) -> Option<String> {
    let mut url = base.join(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    let host = url.host_str()?;
    if !same_site(host, page.host_str()) {
        return None;
    }
    let mut this_page = page.clone();
    this_page.set_fragment(None);
    if url == this_page {
        return None;
    }
    let path = url.path().to_ascii_lowercase();
    if NOT_PAGES.iter().any(|ext| path.ends_with(ext)) {
        return None;
    }
    Some(url.into())
}

/// Whether an `href` may lead within the site (relative, or absolute to the page's site):
/// the links worth remembering while the page is read.
pub(crate) fn may_be_internal(href: &str, page_host: Option<&str>) -> bool {
    if href.is_empty()
        || href.starts_with('#')
        || [
            "mailto:",
            "tel:",
            "javascript:",
            "data:",
            "sms:",
            "callto:",
            "whatsapp:",
        ]
        .iter()
        .any(|s| {
            href.get(..s.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(s))
        })
    {
        return false;
    }
    match url_host(href) {
        Some(host) => same_site(&host, page_host),
        None => true,
    }
}

/// Parts of titles that name no one: home page names and greetings.
const GENERIC_TITLE_PARTS: &[&str] = &[
    "home",
    "homepage",
    "home page",
    "startseite",
    "start",
    "welcome",
    "willkommen",
    "herzlich willkommen",
    "bienvenue",
    "bienvenido",
    "bienvenidos",
    "benvenuti",
    "benvenuto",
    "accueil",
    "page d'accueil",
    "inicio",
    "página de inicio",
    "pagina iniziale",
    "index",
    "official website",
    "official site",
    "offizielle website",
    "hauptseite",
    "homepagina",
    "welkom",
    "início",
    "main page",
    "untitled",
    "ホーム",
    "トップページ",
    "トップ",
    "首页",
];

/// Prefixes that greet rather than name: "Welcome to Acme" names Acme.
const GREETINGS: &[&str] = &[
    "welcome to ",
    "willkommen bei ",
    "willkommen auf ",
    "bienvenue chez ",
    "bienvenue sur ",
    "bienvenido a ",
    "benvenuti da ",
    "benvenuti in ",
    "welkom bij ",
];

/// Legal forms that mark a part of a title as a company name.
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "ag",
    "kg",
    "ug",
    "ohg",
    "gbr",
    "e.k.",
    "e.v.",
    "ltd",
    "ltd.",
    "limited",
    "llc",
    "inc",
    "inc.",
    "plc",
    "llp",
    "corp",
    "corp.",
    "co.",
    "sarl",
    "sas",
    "sa",
    "s.a.",
    "s.l.",
    "sl",
    "srl",
    "s.r.l.",
    "spa",
    "s.p.a.",
    "b.v.",
    "bv",
    "n.v.",
    "nv",
    "oy",
    "ab",
    "as",
    "a/s",
    "aps",
    "kft",
    "s.r.o.",
    "sp. z o.o.",
    "株式会社",
    "有限会社",
];

/// Page names that make the other part of a title the site's name ("Kontakt | Acme").
const PAGE_WORDS: &[&str] = &[
    "contact",
    "contact us",
    "kontakt",
    "impressum",
    "imprint",
    "about",
    "about us",
    "über uns",
    "ueber uns",
    "contacto",
    "contatti",
    "contato",
    "mentions légales",
    "à propos",
    "chi siamo",
    "over ons",
    "team",
    "services",
    "leistungen",
    "products",
    "produkte",
    "blog",
    "news",
    "aktuelles",
    "jobs",
    "karriere",
    "careers",
    "shop",
];

/// The organisation's name read from a page title: the title split at ` | `, ` - `, ` – `,
/// ` — `, ` · `, ` :: `, ` » `, ` • `; home page words and greetings dropped; then the part
/// with a legal form (`GmbH`, `Ltd` …), else the part that shares the longest run of letters
/// with the host's name (umlauts and accents transliterated), else — the common "Site | Tagline" on a home page, "Page |
/// Site" elsewhere — the first part of a `home` page's title (unless it is a page name such
/// as "Kontakt"), the last of another's. At most 120 characters.
pub(crate) fn organisation_from_title(
    title: &str,
    host: Option<&str>,
    home: bool,
) -> Option<String> {
    let mut parts: Vec<&str> = vec![title];
    for sep in [
        " | ", " - ", " – ", " — ", " · ", " :: ", " » ", " « ", " • ", " ~ ",
    ] {
        parts = parts.iter().flat_map(|p| p.split(sep)).collect();
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| {
            let p = p
                .trim()
                .trim_matches(|c: char| c == '|' || c == '-' || c == ':');
            let lower = p.to_lowercase();
            let p = GREETINGS
                .iter()
                .find(|g| lower.starts_with(*g))
                .map_or(p, |g| &p[g.len()..]);
            p.trim().trim_end_matches('!').trim().to_owned()
        })
        .filter(|p| {
            let lower = p.to_lowercase();
            !p.is_empty() && !GENERIC_TITLE_PARTS.contains(&lower.as_str())
        })
        .collect();
    let words = |p: &str| -> Vec<String> {
        p.to_lowercase()
            .split([' ', ','])
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let squash = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars().flat_map(char::to_lowercase) {
            match c {
                'ä' => out.push_str("ae"),
                'ö' => out.push_str("oe"),
                'ü' => out.push_str("ue"),
                'ß' => out.push_str("ss"),
                'à' | 'á' | 'â' | 'ã' | 'å' => out.push('a'),
                'è' | 'é' | 'ê' | 'ë' => out.push('e'),
                'ì' | 'í' | 'î' | 'ï' => out.push('i'),
                'ò' | 'ó' | 'ô' | 'õ' | 'ø' => out.push('o'),
                'ù' | 'ú' | 'û' => out.push('u'),
                'ç' => out.push('c'),
                'ñ' => out.push('n'),
                c if c.is_alphanumeric() => out.push(c),
                _ => {}
            }
        }
        out
    };
    let host_name = host.map(|h| {
        let h = h.strip_prefix("www.").unwrap_or(h);
        let label = psl::domain_str(h)
            .and_then(|d| d.split('.').next())
            .unwrap_or(h);
        squash(label)
    });
    let chosen = parts
        .iter()
        .find(|p| words(p).iter().any(|w| LEGAL_FORMS.contains(&w.as_str())))
        .or_else(|| {
            // The part sharing the longest run of letters with the host's name (at least
            // 4, or all of a shorter part): "The Little Corner Café | Bristol" on
            // `cornercafe-bristol.co.uk` names the café, not the town.
            let host_name: Vec<char> = host_name.as_deref()?.chars().collect();
            parts
                .iter()
                .map(|p| {
                    let s: Vec<char> = squash(p).chars().collect();
                    let run = longest_common_run(&s, &host_name);
                    (run, s.len(), p)
                })
                .filter(|&(run, len, _)| run >= 4 || (run >= 3 && run == len))
                // The longest run; on a tie the part it covers more of, then the first.
                .fold(
                    None,
                    |best: Option<(usize, usize, &String)>, c| match best {
                        Some(b) if (b.0, b.0 * c.1) >= (c.0, c.0 * b.1) => Some(b),
                        _ => Some(c),
                    },
                )
                .map(|(_, _, p)| p)
        })
        .or_else(|| {
            // "Site | Tagline" on the home page, "Page | Site" on the others.
            let first = parts.first()?;
            if !home || (parts.len() > 1 && PAGE_WORDS.contains(&first.to_lowercase().as_str())) {
                parts.last()
            } else {
                Some(first)
            }
        })?;
    let name: String = chosen.chars().take(120).collect();
    (!name.is_empty()).then_some(name)
}

/// The length of the longest run of characters two strings share (dynamic programming over
/// two short strings).
fn longest_common_run(a: &[char], b: &[char]) -> usize {
    let mut best = 0;
    let mut previous = vec![0usize; b.len() + 1];
    for &ca in a {
        let mut row = vec![0usize; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            if ca == cb {
                row[j + 1] = previous[j] + 1;
                best = best.max(row[j + 1]);
            }
        }
        previous = row;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::rules::rules;

    #[test]
    fn contact_links() {
        let rules = rules().unwrap();
        for (href, text) in [
            ("/kontakt", ""),
            ("/de/Kontaktformular.html", ""),
            ("https://www.firma.de/impressum/", ""),
            ("/index.php?id=12", "Impressum"),
            ("/p/7", "Contact us"),
            ("/mentions-l%C3%A9gales", ""),
            ("/otoiawase/", ""),
            ("/x", "お問い合わせ"),
            ("/chi-siamo", ""),
            ("/over-ons", ""),
        ] {
            assert!(is_contact_link(rules, href, text), "{href} {text}");
        }
        for (href, text) in [
            ("/products/widgets", "Widgets"),
            ("https://contact.example/", "Partners"),
            ("/blog/recontact", "Read more"),
        ] {
            assert!(!is_contact_link(rules, href, text), "{href} {text}");
        }
    }

    #[test]
    fn resolution() {
        let page = Url::parse("https://www.firma.de/de/start.html#top").unwrap();
        let r = |h: &str| resolve_contact_link(&page, &page, h);
        assert_eq!(
            r("kontakt.html#form").as_deref(),
            Some("https://www.firma.de/de/kontakt.html")
        );
        assert_eq!(
            r("https://firma.de/impressum").as_deref(),
            Some("https://firma.de/impressum")
        );
        assert_eq!(r("https://other.de/kontakt"), None);
        assert_eq!(r("ftp://www.firma.de/kontakt"), None);
        assert_eq!(r("/impressum.pdf"), None);
        assert_eq!(r("#kontakt"), None);
        assert!(may_be_internal("/kontakt", Some("firma.de")));
        assert!(!may_be_internal("mailto:a@firma.de", Some("firma.de")));
        assert!(!may_be_internal("https://other.de/", Some("firma.de")));
    }

    #[test]
    fn titles() {
        let t = |title: &str, host: &str| organisation_from_title(title, Some(host), true);
        assert_eq!(
            t("Home | Müller Bau GmbH", "mueller-bau.de").as_deref(),
            Some("Müller Bau GmbH")
        );
        assert_eq!(
            t("Kontakt – Bäckerei Schmidt", "schmidt.de").as_deref(),
            Some("Bäckerei Schmidt")
        );
        assert_eq!(
            t("Welcome to Northwind Traders", "nw.com").as_deref(),
            Some("Northwind Traders")
        );
        assert_eq!(
            t("Roofing in Leeds - Acme Roofing", "acmeroofing.co.uk").as_deref(),
            Some("Acme Roofing")
        );
        assert_eq!(t("Startseite", "x.de"), None);
        assert_eq!(
            t(
                "The Little Corner Café | Bristol",
                "cornercafe-bristol.co.uk"
            )
            .as_deref(),
            Some("The Little Corner Café")
        );
        assert_eq!(
            t("Angebote – Gartenmöbel Holm", "gartenmoebel-holm.de").as_deref(),
            Some("Gartenmöbel Holm")
        );
        assert_eq!(
            t("Globex Logistics B.V.", "globex.com").as_deref(),
            Some("Globex Logistics B.V.")
        );
        assert_eq!(
            organisation_from_title("Tour: Zugspitze | Wanderblog", Some("blog.de"), false)
                .as_deref(),
            Some("Wanderblog")
        );
    }
}

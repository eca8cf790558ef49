//! The page language: identified from the visible text with `whatlang` (trigram profiles of
//! 70 languages, pure Rust, no model files), falling back to `<html lang>`, else `und`.
//!
//! Only the first [`SAMPLE_BYTES`] of the text are looked at: two hundred-odd words identify a
//! language as well as the whole page does, and the work stays bounded.

use dragnet_domain::content::{LanguageSource, PageLanguage};
use whatlang::Lang;

/// Text given to the identifier, in bytes.
pub const SAMPLE_BYTES: usize = 2000;
/// Fewer words than this and the text is not trusted to identify a language.
pub const MIN_WORDS: u64 = 8;
/// Confidence below which the identifier's answer is not taken.
pub const MIN_CONFIDENCE: f64 = 0.5;
/// The confidence given to a language taken from `<html lang>`: a declaration, often left at
/// a template's default, so below any identification from text that was trusted.
pub const HTML_LANG_CONFIDENCE: f64 = 0.4;

/// The language of a page with this visible text (of `words` words) and `<html lang>`.
pub fn detect(text: &str, words: u64, html_lang: Option<&str>) -> PageLanguage {
    if words >= MIN_WORDS {
        let sample = &text[..text.floor_char_boundary(SAMPLE_BYTES)];
        if let Some(info) = whatlang::detect(sample)
            && info.confidence() >= MIN_CONFIDENCE
            && let Some(code) = iso639_1(info.lang())
        {
            return PageLanguage {
                code: code.to_owned(),
                confidence: (info.confidence() * 1000.0).round() / 1000.0,
                source: LanguageSource::Text,
            };
        }
    }
    if let Some(code) = html_lang.and_then(primary_subtag) {
        return PageLanguage {
            code,
            confidence: HTML_LANG_CONFIDENCE,
            source: LanguageSource::HtmlLang,
        };
    }
    PageLanguage::undetermined()
}

/// The primary subtag of a BCP 47 tag when it is a two-letter code (`de-CH` → `de`).
fn primary_subtag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?;
    (primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| primary.to_ascii_lowercase())
}

/// ISO 639-1 code of a `whatlang` language; `None` for those without one.
pub fn iso639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_a_code() {
        for &lang in Lang::all() {
            let code = iso639_1(lang);
            assert!(
                code.is_some_and(|c| c.len() == 2),
                "{lang:?} has no ISO 639-1 code"
            );
        }
    }

    #[test]
    fn text_then_html_lang_then_und() {
        let de = "Wir sind ein kleines Familienunternehmen aus Hamburg und bieten seit über \
                  zwanzig Jahren Beratung für Haus und Garten an.";
        let l = detect(de, 20, Some("en"));
        assert_eq!((l.code.as_str(), l.source), ("de", LanguageSource::Text));
        let l = detect("Hi", 1, Some("fr-CA"));
        assert_eq!(
            (l.code.as_str(), l.source),
            ("fr", LanguageSource::HtmlLang)
        );
        assert_eq!(
            detect("", 0, Some("x-klingon")),
            PageLanguage::undetermined()
        );
        assert_eq!(detect("", 0, None).code, "und");
    }
}

//! JSON-LD structured data (`<script type="application/ld+json">`): the organisation's name
//! and postal address, and every `email`, `telephone` and `sameAs` in it.
//!
//! Each script is parsed with `serde_json` (whose recursion limit bounds nesting) when it is
//! at most [`MAX_SCRIPT_BYTES`] long; malformed JSON is skipped. Objects are read wherever
//! they are: at the top, in an array, in `@graph`, nested (`publisher`, `contactPoint`,
//! `address`). The organisation is the first object typed `Organization`, `LocalBusiness`
//! or one of their subtypes (the common ones listed here, and any type whose name ends in
//! `Business`, `Organization`, `Store`, `Service` or `Agency`), preferring the least deeply
//! nested one.

use dragnet_domain::leads::PostalAddress;
use serde_json::Value;

/// Longest JSON-LD script read, in bytes.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;
/// Most JSON-LD scripts read per page.
pub const MAX_SCRIPTS: usize = 16;
/// Most values of one kind (e-mails, phones, profiles) taken from one page's JSON-LD.
const MAX_VALUES: usize = 64;
/// Longest string value kept.
const MAX_VALUE_CHARS: usize = 512;
/// Deepest object walked.
const MAX_DEPTH: usize = 24;

/// Organisation types of schema.org (Organization, LocalBusiness and their common
/// subtypes), besides those the suffix rule finds.
const ORGANISATION_TYPES: &[&str] = &[
    "organization",
    "corporation",
    "localbusiness",
    "ngo",
    "onlinebusiness",
    "onlinestore",
    "educationalorganization",
    "governmentorganization",
    "medicalorganization",
    "sportsorganization",
    "newsmediaorganization",
    "performinggroup",
    "musicgroup",
    "airline",
    "consortium",
    "researchorganization",
    "workersunion",
    "library",
    "store",
    "restaurant",
    "foodestablishment",
    "bakery",
    "barorpub",
    "brewery",
    "cafeorcoffeeshop",
    "winery",
    "fastfoodrestaurant",
    "icecreamshop",
    "professionalservice",
    "legalservice",
    "attorney",
    "notary",
    "accountingservice",
    "financialservice",
    "bankorcreditunion",
    "insuranceagency",
    "realestateagent",
    "travelagency",
    "employmentagency",
    "homeandconstructionbusiness",
    "electrician",
    "plumber",
    "roofingcontractor",
    "generalcontractor",
    "hvacbusiness",
    "locksmith",
    "movingcompany",
    "housepainter",
    "automotivebusiness",
    "autorepair",
    "autodealer",
    "autobodyshop",
    "healthandbeautybusiness",
    "beautysalon",
    "hairsalon",
    "dayspa",
    "nailsalon",
    "dentist",
    "physician",
    "medicalclinic",
    "hospital",
    "pharmacy",
    "optician",
    "lodgingbusiness",
    "hotel",
    "bedandbreakfast",
    "hostel",
    "motel",
    "resort",
    "campground",
    "childcare",
    "drycleaningorlaundry",
    "emergencyservice",
    "entertainmentbusiness",
    "exercisegym",
    "sportsactivitylocation",
    "selfstorage",
    "shoppingcenter",
    "touristinformationcenter",
    "animalshelter",
    "radiostation",
    "televisionstation",
    "recyclingcenter",
    "internetcafe",
    "gardenstore",
    "hardwarestore",
    "furniturestore",
    "clothingstore",
    "bookstore",
    "bikestore",
    "electronicsstore",
    "florist",
    "jewelrystore",
    "petstore",
    "shoestore",
    "sportinggoodsstore",
    "toystore",
    "veterinarycare",
    "school",
    "collegeoruniversity",
    "preschool",
    "elementaryschool",
    "highschool",
    "middleschool",
    "cityhall",
    "courthouse",
];

/// Suffixes of type names that are organisations (`HVACBusiness`, `PetStore`,
/// `TaxiService`, `TravelAgency`, `SportsOrganization`).
const ORGANISATION_SUFFIXES: &[&str] = &["business", "organization", "store", "service", "agency"];

/// What the JSON-LD of a page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonLdFacts {
    /// The organisation's name, and how deep its object was.
    pub organisation: Option<(String, usize)>,
    /// The organisation's address (when the organisation object has one).
    pub organisation_address: Option<PostalAddress>,
    /// The first postal address anywhere.
    pub any_address: Option<PostalAddress>,
    /// `email` values, `mailto:` removed, in order.
    pub emails: Vec<String>,
    /// `telephone` values, in order.
    pub phones: Vec<String>,
    /// `sameAs` values, in order.
    pub same_as: Vec<String>,
}

impl JsonLdFacts {
    /// The address to report: the organisation's, else the first one seen.
    pub fn address(&self) -> Option<PostalAddress> {
        self.organisation_address
            .clone()
            .or_else(|| self.any_address.clone())
    }

    /// Reads one script's text; malformed or oversized JSON is ignored.
    pub fn read(&mut self, script: &str) {
        if script.len() > MAX_SCRIPT_BYTES {
            return;
        }
        // Wrappers some sites leave around the JSON.
        let text = script.trim();
        let text = text
            .strip_prefix("<!--")
            .and_then(|t| t.strip_suffix("-->"))
            .unwrap_or(text);
        let text = text
            .trim()
            .strip_prefix("//<![CDATA[")
            .and_then(|t| t.strip_suffix("//]]>"))
            .unwrap_or(text);
        let Ok(value) = serde_json::from_str::<Value>(text.trim()) else {
            return;
        };
        self.walk(&value, 0);
    }

    fn walk(&mut self, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match value {
            Value::Array(items) => {
                for item in items {
                    self.walk(item, depth);
                }
            }
            Value::Object(map) => {
                let types = types(map.get("@type"));
                if types.iter().any(|t| is_organisation(t)) {
                    let better = self.organisation.as_ref().is_none_or(|(_, d)| depth < *d);
                    if better && let Some(name) = map.get("name").and_then(text) {
                        self.organisation = Some((name, depth));
                        self.organisation_address = map
                            .get("address")
                            .and_then(|a| first(a))
                            .and_then(postal_address);
                    }
                }
                if self.any_address.is_none() && types.iter().any(|t| t == "postaladdress") {
                    self.any_address = postal_address(value);
                }
                for (key, out) in [
                    ("email", &mut self.emails),
                    ("telephone", &mut self.phones),
                    ("sameAs", &mut self.same_as),
                ] {
                    if let Some(v) = map.get(key) {
                        collect_strings(v, out);
                    }
                }
                for (key, child) in map {
                    // `@graph` members are top-level objects.
                    let d = if key == "@graph" { depth } else { depth + 1 };
                    if matches!(child, Value::Object(_) | Value::Array(_)) {
                        self.walk(child, d);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The lower-cased type names of `@type` (a string or an array), without a `schema:` or
/// `http(s)://schema.org/` prefix.
fn types(value: Option<&Value>) -> Vec<String> {
    let name = |s: &str| {
        let s = s.rsplit(['/', ':']).next().unwrap_or(s);
        s.trim().to_ascii_lowercase()
    };
    match value {
        Some(Value::String(s)) => vec![name(s)],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(name).collect(),
        _ => Vec::new(),
    }
}

fn is_organisation(t: &str) -> bool {
    ORGANISATION_TYPES.contains(&t) || ORGANISATION_SUFFIXES.iter().any(|s| t.ends_with(s))
}

/// A string value (or the first of an array, or an `@value`), trimmed, whitespace
/// collapsed, non-empty, at most [`MAX_VALUE_CHARS`].
fn text(value: &Value) -> Option<String> {
    let s = match value {
        Value::String(s) => s.as_str(),
        Value::Array(items) => return items.iter().find_map(text),
        Value::Object(map) => return map.get("@value").and_then(text),
        Value::Number(_) | Value::Bool(_) | Value::Null => return None,
    };
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return None;
    }
    Some(collapsed.chars().take(MAX_VALUE_CHARS).collect())
}

fn first(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items.first(),
        other => Some(other),
    }
}

fn postal_address(value: &Value) -> Option<PostalAddress> {
    let Value::Object(map) = value else {
        return None;
    };
    let get = |key: &str| map.get(key).and_then(text);
    let country = map.get("addressCountry").and_then(|c| match c {
        Value::Object(o) => o.get("name").and_then(text),
        other => text(other),
    });
    let address = PostalAddress {
        street: get("streetAddress"),
        locality: get("addressLocality"),
        region: get("addressRegion"),
        postal_code: get("postalCode"),
        country,
    };
    (!address.is_empty()).then_some(address)
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s)
            if out.len() < MAX_VALUES && s.len() <= MAX_VALUE_CHARS && !s.trim().is_empty() =>
        {
            out.push(s.trim().to_owned());
        }
        Value::Array(items) => {
            for item in items {
                if let Value::String(_) = item {
                    collect_strings(item, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_organisations_graphs_and_contacts() {
        let mut facts = JsonLdFacts::default();
        facts.read(
            r#"{"@context":"https://schema.org","@graph":[
                {"@type":"WebSite","name":"Site","publisher":{"@type":"Organization","name":"Nested"}},
                {"@type":["Plumber"],"name":"  Rohr   Meier GmbH ","telephone":"+49 89 1234567",
                 "email":"mailto:info@rohr-meier.de",
                 "address":{"@type":"PostalAddress","streetAddress":"Hauptstr. 1",
                   "addressLocality":"München","postalCode":"80331","addressCountry":{"@type":"Country","name":"DE"}},
                 "sameAs":["https://www.facebook.com/rohrmeier","https://x.com/rohrmeier"],
                 "contactPoint":{"@type":"ContactPoint","telephone":"+49 89 7654321","email":"service@rohr-meier.de"}}
            ]}"#,
        );
        assert_eq!(facts.organisation, Some(("Rohr Meier GmbH".to_owned(), 0)));
        let a = facts.address().unwrap();
        assert_eq!(a.locality.as_deref(), Some("München"));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(facts.phones, ["+49 89 1234567", "+49 89 7654321"]);
        assert_eq!(
            facts.emails,
            ["mailto:info@rohr-meier.de", "service@rohr-meier.de"]
        );
        assert_eq!(facts.same_as.len(), 2);
    }

    #[test]
    fn malformed_and_huge_scripts_are_ignored() {
        let mut facts = JsonLdFacts::default();
        facts.read("{\"@type\": \"Organization\", \"name\": \"A\",}");
        facts.read(&"[".repeat(100_000));
        facts.read(&format!(
            "{{\"name\": \"{}\"}}",
            "x".repeat(MAX_SCRIPT_BYTES)
        ));
        assert_eq!(facts, JsonLdFacts::default());
        facts.read("<!-- {\"@type\":\"LocalBusiness\",\"name\":\"B\"} -->");
        assert_eq!(facts.organisation, Some(("B".to_owned(), 0)));
    }
}

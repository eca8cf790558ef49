//! The stored objects that phase configurations refer to by [`StoredId`]: DNS personas, HTTP
//! personas, keyword sets and proxies (SPEC §2.2, §2.3, §3).
//!
//! Like the phase configurations, each object has a serde input type (`XInput`, camelCase,
//! unknown fields refused) and a `TryFrom` that returns [`ValidationErrors`] naming every bad
//! field (`settings.resolvers[1]`, `rules[3].pattern`, `password`). Ids are not part of these
//! types: the store assigns them.
//!
//! A persona holds exactly the settings a phase configuration may otherwise give inline (DNS:
//! [`DnsResolverSettings`]; HTTP: [`HttpRequestSettings`]), validated by the same code, so an
//! object that is valid here is valid wherever it is used. A keyword set's rules are validated
//! together with the same limits as a configuration's inline `keywordRules` (one regex budget,
//! no duplicates).
//!
//! [`StoredId`]: crate::config::StoredId

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::config::check;
use crate::config::dns::{DnsResolverSettings, DnsResolverSettingsInput};
use crate::config::http::{
    HttpRequestSettings, HttpRequestSettingsInput, KeywordRule, KeywordRuleInput, validate_rules,
};
use crate::error::{FieldError, ValidationErrors};
use crate::name::normalize_suffix;

/// Longest name of a stored object, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest keyword set description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Longest proxy username, in bytes (the SOCKS5 username/password limit, RFC 1929).
pub const MAX_USERNAME_BYTES: usize = 255;
/// Longest proxy password, in bytes (the SOCKS5 username/password limit, RFC 1929).
pub const MAX_PASSWORD_BYTES: usize = 255;

/// Checks a name (trimmed, 1 to [`MAX_NAME_CHARS`] characters, no control characters) and
/// returns it trimmed.
fn check_name(errors: &mut Vec<FieldError>, name: &str) -> String {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 {
        errors.push(FieldError::new("name", "must not be blank"));
    } else if len > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters long (got {len})"),
        ));
    } else if check::has_control(name) {
        errors.push(FieldError::new(
            "name",
            "must not contain control characters",
        ));
    }
    name.to_owned()
}

/// Validates settings with their own `TryFrom`, naming their errors under `settings`.
fn settings<I, T>(errors: &mut Vec<FieldError>, input: I) -> Option<T>
where
    T: TryFrom<I, Error = ValidationErrors>,
{
    T::try_from(input)
        .map_err(|e| errors.extend(e.within("settings").into_errors()))
        .ok()
}

/// The two kinds of persona.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonaKind {
    /// Resolver settings for `dns_validation` (`dnsValidation.personaId`).
    Dns,
    /// Request settings for `http_keyword_validation` (`httpKeywordValidation.personaId`).
    Http,
}

impl PersonaKind {
    /// Both kinds.
    pub const ALL: [PersonaKind; 2] = [PersonaKind::Dns, PersonaKind::Http];

    /// `dns` or `http`.
    pub const fn as_str(self) -> &'static str {
        match self {
            PersonaKind::Dns => "dns",
            PersonaKind::Http => "http",
        }
    }
}

impl fmt::Display for PersonaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated persona: a name and the settings `S` it supplies to a phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPersona<S> {
    name: String,
    settings: S,
}

/// A validated DNS persona: a name and the resolver settings it supplies.
pub type DnsPersona = NamedPersona<DnsResolverSettings>;
/// A validated HTTP persona: a name and the request settings it supplies.
pub type HttpPersona = NamedPersona<HttpRequestSettings>;

/// The JSON input of a persona whose settings' input is `I`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonaInput<I> {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// The settings (for HTTP every one has a default, so `{}` is valid).
    pub settings: I,
}

/// The JSON input of a [`DnsPersona`].
pub type DnsPersonaInput = PersonaInput<DnsResolverSettingsInput>;
/// The JSON input of an [`HttpPersona`].
pub type HttpPersonaInput = PersonaInput<HttpRequestSettingsInput>;

impl<I, S> TryFrom<PersonaInput<I>> for NamedPersona<S>
where
    S: TryFrom<I, Error = ValidationErrors>,
{
    type Error = ValidationErrors;

    fn try_from(input: PersonaInput<I>) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let name = check_name(&mut errors, &input.name);
        let settings = settings(&mut errors, input.settings);
        ValidationErrors::check(errors)?;
        match settings {
            Some(settings) => Ok(Self { name, settings }),
            // Unreachable: invalid settings always recorded an error above.
            None => Err(ValidationErrors::single("settings", "is invalid")),
        }
    }
}

impl<S> NamedPersona<S> {
    /// A persona named `name` (checked like an input's name) with valid `settings`.
    pub fn new(name: &str, settings: S) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let name = check_name(&mut errors, name);
        ValidationErrors::check(errors)?;
        Ok(Self { name, settings })
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The settings it supplies.
    pub fn settings(&self) -> &S {
        &self.settings
    }
}

/// A persona of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persona {
    /// A DNS persona.
    Dns(DnsPersona),
    /// An HTTP persona.
    Http(HttpPersona),
}

impl Persona {
    /// Which kind it is.
    pub fn kind(&self) -> PersonaKind {
        match self {
            Persona::Dns(_) => PersonaKind::Dns,
            Persona::Http(_) => PersonaKind::Http,
        }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        match self {
            Persona::Dns(p) => p.name(),
            Persona::Http(p) => p.name(),
        }
    }
}

impl From<DnsPersona> for Persona {
    fn from(p: DnsPersona) -> Self {
        Persona::Dns(p)
    }
}

impl From<HttpPersona> for Persona {
    fn from(p: HttpPersona) -> Self {
        Persona::Http(p)
    }
}

/// A validated keyword set: named rules that HTTP configurations add to their own with
/// `keywordSetIds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordSet {
    name: String,
    description: Option<String>,
    rules: Vec<KeywordRule>,
}

/// The JSON input of a [`KeywordSet`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeywordSetInput {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// A free description, at most 1000 characters (line breaks and tabs allowed); blank is
    /// the same as absent.
    #[serde(default)]
    pub description: Option<String>,
    /// The rules, 1 to 1000, no duplicates, with the same limits as inline `keywordRules`.
    pub rules: Vec<KeywordRuleInput>,
}

impl TryFrom<KeywordSetInput> for KeywordSet {
    type Error = ValidationErrors;

    fn try_from(input: KeywordSetInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let name = check_name(&mut errors, &input.name);
        let description = input
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        if let Some(d) = &description {
            let len = d.chars().count();
            if len > MAX_DESCRIPTION_CHARS {
                errors.push(FieldError::new(
                    "description",
                    format!("must be at most {MAX_DESCRIPTION_CHARS} characters long (got {len})"),
                ));
            } else if d
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                errors.push(FieldError::new(
                    "description",
                    "must not contain control characters other than line breaks and tabs",
                ));
            }
        }
        if input.rules.is_empty() {
            errors.push(FieldError::new("rules", "must list at least one rule"));
        }
        let rules = validate_rules("rules", input.rules)
            .map_err(|e| errors.extend(e.into_errors()))
            .unwrap_or_default();
        ValidationErrors::check(errors)?;
        Ok(Self {
            name,
            description,
            rules,
        })
    }
}

impl KeywordSet {
    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[KeywordRule] {
        &self.rules
    }
}

/// How Dragnet talks to a proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProxyProtocol {
    /// An HTTP proxy, tunnelling with `CONNECT` over plain TCP.
    Http,
    /// An HTTP proxy reached over TLS, tunnelling with `CONNECT` inside it.
    Https,
    /// A SOCKS5 proxy (RFC 1928), with username/password authentication (RFC 1929) when
    /// credentials are set.
    Socks5,
}

impl ProxyProtocol {
    /// Every protocol.
    pub const ALL: [ProxyProtocol; 3] = [
        ProxyProtocol::Http,
        ProxyProtocol::Https,
        ProxyProtocol::Socks5,
    ];

    /// `http`, `https` or `socks5`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProxyProtocol::Http => "http",
            ProxyProtocol::Https => "https",
            ProxyProtocol::Socks5 => "socks5",
        }
    }
}

impl fmt::Display for ProxyProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated proxy. Its `Debug` output never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    name: String,
    protocol: ProxyProtocol,
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
    accept_invalid_certificates: bool,
    enabled: bool,
}

/// The JSON input of a [`Proxy`]. Its `Debug` output never shows the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxyInput {
    /// Display name, 1 to 100 characters.
    pub name: String,
    /// `http`, `https` or `socks5`.
    pub protocol: ProxyProtocol,
    /// The proxy's host name or IP address (IPv6 with or without brackets).
    pub host: String,
    /// The proxy's port, 1 to 65535.
    pub port: u16,
    /// The username, 1 to 255 bytes, no control characters (no `:` for `http`/`https`:
    /// Basic authentication cannot carry it). Given together with `password`.
    #[serde(default)]
    pub username: Option<String>,
    /// The password, 1 to 255 bytes, no control characters. Given together with `username`.
    #[serde(default)]
    pub password: Option<String>,
    /// Accept any TLS certificate from an `https` proxy (self-signed, expired, wrong name);
    /// default `false`. Only for `https`.
    #[serde(default)]
    pub accept_invalid_certificates: Option<bool>,
    /// Whether campaigns use the proxy; default `true`.
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl fmt::Debug for ProxyInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyInput")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "accept_invalid_certificates",
                &self.accept_invalid_certificates,
            )
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// Parses a proxy host: an IP address (IPv6 with or without brackets) or a host name
/// (lowercased, IDN converted to punycode, a single label such as `squid` allowed). Returns the
/// normal form; the error is a message for the `host` field.
pub fn parse_proxy_host(host: &str) -> Result<String, String> {
    let text = host.trim();
    if text.is_empty() {
        return Err("must not be blank".to_owned());
    }
    let unbracketed = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        if text.starts_with('[') && ip.is_ipv4() {
            return Err(format!(
                "`{text}`: only IPv6 addresses are written in brackets"
            ));
        }
        if ip.is_unspecified() {
            return Err(format!("`{text}` is the unspecified address"));
        }
        if ip.is_multicast() {
            return Err(format!("`{text}` is a multicast address"));
        }
        if let IpAddr::V4(v4) = ip
            && v4.is_broadcast()
        {
            return Err(format!("`{text}` is the broadcast address"));
        }
        return Ok(ip.to_string());
    }
    if text.contains(':') || text.contains('/') || text.contains('@') {
        return Err(format!(
            "`{text}` is not a host name or IP address: give the port in `port` and the \
             credentials in `username` and `password`"
        ));
    }
    if text.starts_with('.') {
        return Err(format!("`{text}` is not a host name: it starts with a dot"));
    }
    let name = normalize_suffix(text).map_err(|e| format!("is not a host name: {e}"))?;
    // A name whose last label is all digits would be taken for a (malformed) IPv4 address
    // by resolvers and URL parsers alike.
    if name
        .rsplit('.')
        .next()
        .is_some_and(|label| label.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{text}` is neither an IP address nor a host name (a host name's last label is \
             not all digits)"
        ));
    }
    Ok(name.into_owned())
}

/// Checks a credential (1 to 255 bytes, no control characters); the error is a message.
fn check_credential(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if value.len() > max {
        return Err(format!("must be at most {max} bytes long"));
    }
    if check::has_control(value) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(())
}

impl TryFrom<ProxyInput> for Proxy {
    type Error = ValidationErrors;

    fn try_from(input: ProxyInput) -> Result<Self, Self::Error> {
        let mut errors = Vec::new();
        let name = check_name(&mut errors, &input.name);
        let host = parse_proxy_host(&input.host)
            .map_err(|message| errors.push(FieldError::new("host", message)))
            .unwrap_or_default();
        let port = check::range(&mut errors, "port", Some(input.port), 1, 1, u16::MAX);
        if let Some(username) = &input.username {
            if let Err(message) = check_credential(username, MAX_USERNAME_BYTES) {
                errors.push(FieldError::new("username", message));
            } else if username.contains(':')
                && matches!(input.protocol, ProxyProtocol::Http | ProxyProtocol::Https)
            {
                errors.push(FieldError::new(
                    "username",
                    "must not contain `:` for an HTTP proxy (Basic authentication cannot \
                     carry it)",
                ));
            }
        }
        if let Some(password) = &input.password
            && let Err(message) = check_credential(password, MAX_PASSWORD_BYTES)
        {
            errors.push(FieldError::new("password", message));
        }
        match (&input.username, &input.password) {
            (Some(_), None) => errors.push(FieldError::new(
                "password",
                "is required with username: give both or neither",
            )),
            (None, Some(_)) => errors.push(FieldError::new(
                "username",
                "is required with password: give both or neither",
            )),
            _ => {}
        }
        let accept_invalid_certificates = input.accept_invalid_certificates.unwrap_or(false);
        if accept_invalid_certificates && input.protocol != ProxyProtocol::Https {
            errors.push(FieldError::new(
                "acceptInvalidCertificates",
                format!(
                    "is only used with protocol `https` (a `{}` proxy has no certificate)",
                    input.protocol
                ),
            ));
        }
        ValidationErrors::check(errors)?;
        Ok(Self {
            name,
            protocol: input.protocol,
            host,
            port,
            username: input.username,
            password: input.password,
            accept_invalid_certificates,
            enabled: input.enabled.unwrap_or(true),
        })
    }
}

impl Proxy {
    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How to talk to the proxy.
    pub fn protocol(&self) -> ProxyProtocol {
        self.protocol
    }

    /// The host in normal form: an IP address (IPv6 without brackets) or a lowercase ASCII
    /// host name.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The host as an IP address, when it is one.
    pub fn host_ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The username, when credentials are set.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The password, when credentials are set. A secret: never log it or return it to an API
    /// client.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// Whether any TLS certificate of an `https` proxy is accepted.
    pub fn accept_invalid_certificates(&self) -> bool {
        self.accept_invalid_certificates
    }

    /// Whether campaigns use the proxy.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// `host:port`, with IPv6 hosts in brackets.
    pub fn address(&self) -> String {
        match self.host_ip() {
            Some(IpAddr::V6(ip)) => format!("[{ip}]:{}", self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

impl From<&Proxy> for ProxyInput {
    /// The input that validates back to the same proxy (password included).
    fn from(p: &Proxy) -> Self {
        Self {
            name: p.name.clone(),
            protocol: p.protocol,
            host: p.host.clone(),
            port: p.port,
            username: p.username.clone(),
            password: p.password.clone(),
            accept_invalid_certificates: Some(p.accept_invalid_certificates),
            enabled: Some(p.enabled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn fields(e: &ValidationErrors) -> Vec<&str> {
        e.errors().iter().map(|e| e.field.as_str()).collect()
    }

    fn proxy(value: Value) -> Result<Proxy, ValidationErrors> {
        Proxy::try_from(serde_json::from_value::<ProxyInput>(value).unwrap())
    }

    fn keyword_set(value: Value) -> Result<KeywordSet, ValidationErrors> {
        KeywordSet::try_from(serde_json::from_value::<KeywordSetInput>(value).unwrap())
    }

    #[test]
    fn dns_personas() {
        let input: DnsPersonaInput = serde_json::from_value(json!({
            "name": "  EU resolvers ",
            "settings": {"resolvers": ["192.0.2.1", "192.0.2.2:5353"], "strategy": "random"}
        }))
        .unwrap();
        let p = DnsPersona::try_from(input).unwrap();
        assert_eq!(p.name(), "EU resolvers");
        assert_eq!(p.settings().resolvers().len(), 2);
        let persona = Persona::from(p.clone());
        assert_eq!(persona.kind(), PersonaKind::Dns);
        assert_eq!(persona.name(), "EU resolvers");

        let input: DnsPersonaInput = serde_json::from_value(json!({
            "name": "",
            "settings": {"resolvers": ["192.0.2.1", "nope"], "retries": 99}
        }))
        .unwrap();
        let e = DnsPersona::try_from(input).unwrap_err();
        assert_eq!(
            fields(&e),
            ["name", "settings.resolvers[1]", "settings.retries"]
        );
        let e = serde_json::from_value::<DnsPersonaInput>(
            json!({"name": "x", "settings": {"resolvers": []}, "extra": 1}),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
        assert!(DnsPersona::new(" ", p.settings().clone()).is_err());
        assert_eq!(
            DnsPersona::new("n", p.settings().clone()).unwrap().name(),
            "n"
        );
    }

    #[test]
    fn http_personas() {
        let input: HttpPersonaInput =
            serde_json::from_value(json!({"name": "Chrome", "settings": {}})).unwrap();
        let p = HttpPersona::try_from(input).unwrap();
        assert_eq!(p.settings(), &HttpRequestSettings::default());
        assert_eq!(Persona::from(p).kind(), PersonaKind::Http);
        let input: HttpPersonaInput = serde_json::from_value(json!({
            "name": "x".repeat(101),
            "settings": {"headers": {"Host": "a"}, "timeoutMs": 1}
        }))
        .unwrap();
        let e = HttpPersona::try_from(input).unwrap_err();
        assert_eq!(
            fields(&e),
            ["name", "settings.headers.Host", "settings.timeoutMs"]
        );
    }

    #[test]
    fn names() {
        let mut errors = Vec::new();
        assert_eq!(check_name(&mut errors, &"é".repeat(100)), "é".repeat(100));
        assert!(errors.is_empty());
        for bad in ["", "   ", "a\u{0}b", "tab\there"] {
            let mut errors = Vec::new();
            check_name(&mut errors, bad);
            assert_eq!(errors.len(), 1, "{bad:?}");
            assert_eq!(errors[0].field, "name");
        }
    }

    #[test]
    fn persona_kinds() {
        assert_eq!(serde_json::to_value(PersonaKind::Dns).unwrap(), "dns");
        assert_eq!(
            serde_json::from_value::<PersonaKind>(json!("http")).unwrap(),
            PersonaKind::Http
        );
        assert_eq!(PersonaKind::ALL.map(PersonaKind::as_str), ["dns", "http"]);
        assert_eq!(PersonaKind::Http.to_string(), "http");
    }

    #[test]
    fn keyword_sets() {
        let s = keyword_set(json!({
            "name": "Brands",
            "description": "  our brands\nand typos ",
            "rules": [{"pattern": "acme"}, {"pattern": "ac[m]e", "kind": "regex", "category": "typo"}]
        }))
        .unwrap();
        assert_eq!(s.name(), "Brands");
        assert_eq!(s.description(), Some("our brands\nand typos"));
        assert_eq!(s.rules().len(), 2);
        assert_eq!(s.rules()[1].category(), Some("typo"));
        let s = keyword_set(json!({"name": "x", "description": " ", "rules": [{"pattern": "a"}]}))
            .unwrap();
        assert_eq!(s.description(), None);

        let e = keyword_set(json!({
            "name": "x",
            "description": "d".repeat(1001),
            "rules": [{"pattern": "a"}, {"pattern": "(", "kind": "regex"}, {"pattern": "A"}]
        }))
        .unwrap_err();
        assert_eq!(fields(&e), ["description", "rules[1].pattern", "rules[2]"]);
        let e =
            keyword_set(json!({"name": "x", "description": "a\u{7}", "rules": []})).unwrap_err();
        assert_eq!(fields(&e), ["description", "rules"]);
        let e = serde_json::from_value::<KeywordSetInput>(json!({"name": "x"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing field `rules`"), "{e}");
    }

    #[test]
    fn proxies() {
        let p = proxy(json!({
            "name": "Office", "protocol": "socks5", "host": "Proxy.Example.COM", "port": 1080,
            "username": "u:ser", "password": "s3cret"
        }))
        .unwrap();
        assert_eq!(p.name(), "Office");
        assert_eq!(p.protocol(), ProxyProtocol::Socks5);
        assert_eq!(p.host(), "proxy.example.com");
        assert_eq!(p.host_ip(), None);
        assert_eq!(p.port(), 1080);
        assert_eq!(p.username(), Some("u:ser"));
        assert_eq!(p.password(), Some("s3cret"));
        assert!(!p.accept_invalid_certificates());
        assert!(p.enabled());
        assert_eq!(p.address(), "proxy.example.com:1080");
        assert_eq!(Proxy::try_from(ProxyInput::from(&p)).unwrap(), p);

        let p = proxy(json!({
            "name": "v6", "protocol": "https", "host": "[2001:DB8::1]", "port": 3128,
            "acceptInvalidCertificates": true, "enabled": false
        }))
        .unwrap();
        assert_eq!(p.host(), "2001:db8::1");
        assert_eq!(p.address(), "[2001:db8::1]:3128");
        assert!(p.accept_invalid_certificates());
        assert!(!p.enabled());
        assert_eq!(p.username(), None);
        let p = proxy(json!({"name": "lan", "protocol": "http", "host": "squid", "port": 8080}))
            .unwrap();
        assert_eq!(p.host(), "squid");
        let p = proxy(json!({"name": "v4", "protocol": "http", "host": "10.0.0.5", "port": 8080}))
            .unwrap();
        assert_eq!(p.host_ip(), "10.0.0.5".parse().ok());
    }

    #[test]
    fn proxy_errors_name_the_field() {
        for (value, expected) in [
            (json!({"host": ""}), vec!["host"]),
            (json!({"host": "proxy.example:8080"}), vec!["host"]),
            (json!({"host": "user@proxy.example"}), vec!["host"]),
            (json!({"host": "http://proxy.example"}), vec!["host"]),
            (json!({"host": "-bad-.example"}), vec!["host"]),
            (json!({"host": ".example"}), vec!["host"]),
            (json!({"host": "1.2.3.999"}), vec!["host"]),
            (json!({"host": "0.0.0.0"}), vec!["host"]),
            (json!({"host": "224.0.0.1"}), vec!["host"]),
            (json!({"host": "255.255.255.255"}), vec!["host"]),
            (json!({"host": "[192.0.2.1]"}), vec!["host"]),
            (json!({"port": 0}), vec!["port"]),
            (json!({"username": "u"}), vec!["password"]),
            (json!({"password": "p"}), vec!["username"]),
            (json!({"username": "", "password": "p"}), vec!["username"]),
            (json!({"username": "u", "password": ""}), vec!["password"]),
            (
                json!({"username": "a:b", "password": "p"}),
                vec!["username"],
            ),
            (
                json!({"username": "u", "password": "p".repeat(256)}),
                vec!["password"],
            ),
            (
                json!({"username": "u".repeat(256), "password": "p"}),
                vec!["username"],
            ),
            (
                json!({"username": "u", "password": "line\nbreak"}),
                vec!["password"],
            ),
            (
                json!({"acceptInvalidCertificates": true}),
                vec!["acceptInvalidCertificates"],
            ),
            (json!({"name": " "}), vec!["name"]),
        ] {
            let mut body =
                json!({"name": "p", "protocol": "http", "host": "proxy.example", "port": 8080});
            for (k, v) in value.as_object().unwrap() {
                body[k] = v.clone();
            }
            let e = proxy(body).unwrap_err();
            assert_eq!(fields(&e), expected, "{value}: {e}");
            assert!(!e.to_string().contains("s3cret"));
        }
        // 255 bytes is the limit, not an error.
        assert!(
            proxy(
                json!({"name": "p", "protocol": "socks5", "host": "h.example", "port": 1,
                "username": "u".repeat(255), "password": "p".repeat(255)})
            )
            .is_ok()
        );
        let e = serde_json::from_value::<ProxyInput>(
            json!({"name": "p", "protocol": "ftp", "host": "h", "port": 1}),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("unknown variant `ftp`"), "{e}");
    }

    #[test]
    fn debug_never_shows_the_password() {
        let input: ProxyInput = serde_json::from_value(json!({
            "name": "p", "protocol": "http", "host": "h.example", "port": 1,
            "username": "alice", "password": "hunter2-secret"
        }))
        .unwrap();
        let text = format!("{input:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(
            text.contains("alice") && text.contains("<redacted>"),
            "{text}"
        );
        let p = Proxy::try_from(input).unwrap();
        let text = format!("{p:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }

    #[test]
    fn protocols() {
        assert_eq!(
            ProxyProtocol::ALL.map(ProxyProtocol::as_str),
            ["http", "https", "socks5"]
        );
        for p in ProxyProtocol::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
            assert_eq!(p.to_string(), p.as_str());
        }
    }
}

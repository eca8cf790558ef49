//! The WebSocket protocol: the messages the server sends, the messages a client may send, and
//! the parser that turns a client's text frame into a [`ClientMessage`] or an error naming the
//! problem.
//!
//! `campaign.progress` is the only message that carries progress. Its text is built once per
//! publish by [`progress_text`] and shared by every subscriber, so the hot path never
//! serialises per client; [`ServerMessage`] describes the same shape for documentation and for
//! the other (rare) messages. Its `data` is the domain's [`PhaseProgress`] itself (named
//! `CampaignProgress` in the OpenAPI document), so there is one progress shape, not two.

use bytestring::ByteString;
use dragnet_domain::CampaignId;
use dragnet_domain::progress::{PhaseProgress, RescoreProgress};
use serde::{Deserialize, Serialize};

/// Why a client message was refused, or why the server is about to close; the `code` of an
/// `error` message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
// Named `WsErrorCode` in the OpenAPI document: `ErrorCode` there is the HTTP API's enum.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WsErrorCode))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON.
    InvalidJson,
    /// The JSON is not an object with a string `type`, or has fields the type does not take.
    InvalidMessage,
    /// `type` is neither `subscribe` nor `unsubscribe`.
    UnknownType,
    /// A `subscribe` or `unsubscribe` without `campaignIds`.
    MissingCampaignIds,
    /// `campaignIds` is not a non-empty array of integers.
    InvalidCampaignIds,
    /// The subscription would exceed the per-client limit; nothing was subscribed.
    TooManySubscriptions,
    /// One or more of the campaigns do not exist; the others were subscribed.
    UnknownCampaign,
    /// The current state of a campaign could not be loaded; it was not subscribed.
    SnapshotUnavailable,
    /// Binary frames are not part of the protocol.
    UnsupportedFrame,
    /// The client's message exceeds the size limit; the connection is closed.
    MessageTooLarge,
    /// The client did not authenticate: its first message was not a valid `auth` (or it came
    /// too late, or its address failed too often); the connection is closed with code 1008.
    Unauthorized,
    /// The token already has the most WebSocket connections allowed; the connection is
    /// closed with code 1008.
    TooManyConnections,
}

impl ErrorCode {
    /// The code's wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidMessage => "invalid_message",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::MissingCampaignIds => "missing_campaign_ids",
            ErrorCode::InvalidCampaignIds => "invalid_campaign_ids",
            ErrorCode::TooManySubscriptions => "too_many_subscriptions",
            ErrorCode::UnknownCampaign => "unknown_campaign",
            ErrorCode::SnapshotUnavailable => "snapshot_unavailable",
            ErrorCode::UnsupportedFrame => "unsupported_frame",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::TooManyConnections => "too_many_connections",
        }
    }
}

/// A message from the server to a client. Serialised with a `type` tag; see `docs/realtime.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed one by one: utoipa does not read `rename_all_fields`.
#[serde(tag = "type")]
pub enum ServerMessage {
    /// The state of one campaign; the only message that carries progress.
    #[serde(rename = "campaign.progress")]
    CampaignProgress {
        /// Per-campaign sequence number assigned when the state was published (see the crate
        /// documentation for its semantics).
        seq: u64,
        /// The state.
        data: PhaseProgress,
    },
    /// The state of a campaign's rescore (`POST /api/v1/campaigns/{id}/rescore`): sent when
    /// it starts, at most every progress interval while it runs, and when it completes or
    /// fails; a client subscribing during a rescore gets its latest state after the
    /// campaign's `campaign.progress`. A rescore is not a phase — the campaign's current
    /// phase and its status do not change — so this is not phase progress.
    #[serde(rename = "campaign.rescore")]
    CampaignRescore {
        /// The rescore's state, the campaign's id and the recent rate.
        data: RescoreProgress,
    },
    /// Acknowledges a `subscribe`: the campaigns now subscribed by that request, sent before
    /// their current states.
    #[serde(rename = "subscribed")]
    Subscribed {
        /// The campaigns subscribed (including ones that already were).
        #[serde(rename = "campaignIds")]
        campaign_ids: Vec<CampaignId>,
    },
    /// Acknowledges an `unsubscribe`; no progress for these campaigns follows it.
    #[serde(rename = "unsubscribed")]
    Unsubscribed {
        /// The campaigns no longer subscribed.
        #[serde(rename = "campaignIds")]
        campaign_ids: Vec<CampaignId>,
    },
    /// Acknowledges a first-message `auth`: the client may subscribe now. (A client that
    /// authenticated with an `Authorization` header gets no such message.)
    #[serde(rename = "authenticated")]
    Authenticated {
        /// The id of the token (never the token itself); absent when authentication is off.
        #[serde(rename = "tokenId", skip_serializing_if = "Option::is_none", default)]
        token_id: Option<String>,
    },
    /// A client message was refused, or a subscription could not be made.
    #[serde(rename = "error")]
    Error {
        /// What went wrong, machine-readable.
        code: ErrorCode,
        /// What went wrong, for people; names the problem (the field, the id, the limit).
        message: String,
    },
}

impl ServerMessage {
    /// The JSON text of the message.
    pub fn to_text(&self) -> ByteString {
        // Serialising these plain structs cannot fail (no maps with non-string keys, no
        // fallible `Serialize` impls); the fallback keeps the no-panic rule anyway.
        serde_json::to_string(self)
            .unwrap_or_else(|e| {
                format!(r#"{{"type":"error","code":"invalid_message","message":"{e}"}}"#)
            })
            .into()
    }

    /// An `error` message.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerMessage::Error {
            code,
            message: message.into(),
        }
    }
}

/// Builds the `campaign.progress` text for a snapshot with sequence number `seq`: exactly what
/// serialising [`ServerMessage::CampaignProgress`] gives.
pub fn progress_text(seq: u64, data: &PhaseProgress) -> ByteString {
    ServerMessage::CampaignProgress {
        seq,
        data: data.clone(),
    }
    .to_text()
}

/// A token sent in a WebSocket `auth` message. Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AuthToken(pub String);

impl AuthToken {
    /// The token, for the one place that checks it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthToken(***)")
    }
}

/// A message from a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Authenticates the connection with an API token (`dgn_…`): the first message of a
    /// client that sent no `Authorization` header (browsers cannot), within the
    /// authentication timeout (default 5 s). Answered with `authenticated`, or an
    /// `unauthorized` error and close code 1008.
    Auth {
        /// The API token.
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        token: AuthToken,
    },
    /// Start receiving these campaigns' progress; their current states are pushed at once.
    Subscribe {
        /// The campaigns (store ids), at most the per-client subscription limit.
        #[serde(rename = "campaignIds")]
        campaign_ids: Vec<CampaignId>,
    },
    /// Stop receiving these campaigns' progress.
    Unsubscribe {
        /// The campaigns (store ids).
        #[serde(rename = "campaignIds")]
        campaign_ids: Vec<CampaignId>,
    },
}

/// A client message that was refused: the `error` message to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    /// The error code.
    pub code: ErrorCode,
    /// What is wrong, naming the field or value.
    pub message: String,
}

impl ProtocolError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The `error` message for this problem.
    pub fn to_message(&self) -> ServerMessage {
        ServerMessage::error(self.code, self.message.clone())
    }
}

impl ClientMessage {
    /// Parses a client's text frame, checking each part in turn so that the error names the
    /// first problem: invalid JSON, a missing or unknown `type`, a missing or malformed
    /// `campaignIds` (or `token` of an `auth`), unknown fields, or more ids than `max_ids`.
    pub fn parse(text: &str, max_ids: usize) -> Result<ClientMessage, ProtocolError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ProtocolError::new(ErrorCode::InvalidJson, format!("invalid JSON: {e}"))
        })?;
        let serde_json::Value::Object(mut object) = value else {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                "expected a JSON object with a \"type\" field",
            ));
        };
        let kind = match object.remove("type") {
            None => {
                return Err(ProtocolError::new(
                    ErrorCode::InvalidMessage,
                    "missing field \"type\"; expected \"auth\", \"subscribe\" or \"unsubscribe\"",
                ));
            }
            Some(serde_json::Value::String(kind)) => kind,
            Some(other) => {
                return Err(ProtocolError::new(
                    ErrorCode::InvalidMessage,
                    format!("field \"type\" must be a string, got {other}"),
                ));
            }
        };
        if kind == "auth" {
            return parse_auth(object);
        }
        if kind != "subscribe" && kind != "unsubscribe" {
            return Err(ProtocolError::new(
                ErrorCode::UnknownType,
                format!(
                    "unknown message type {:?}; expected \"auth\", \"subscribe\" or \
                     \"unsubscribe\"",
                    truncate(&kind, 64)
                ),
            ));
        }
        let ids = match object.remove("campaignIds") {
            None => {
                return Err(ProtocolError::new(
                    ErrorCode::MissingCampaignIds,
                    format!("{kind} needs a \"campaignIds\" array"),
                ));
            }
            Some(serde_json::Value::Array(ids)) => ids,
            Some(_) => {
                return Err(ProtocolError::new(
                    ErrorCode::InvalidCampaignIds,
                    "\"campaignIds\" must be an array of integer campaign ids",
                ));
            }
        };
        if let Some(field) = object.keys().next() {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                format!(
                    "unknown field {:?} in {kind}; expected \"type\" and \"campaignIds\"",
                    truncate(field, 64)
                ),
            ));
        }
        if ids.is_empty() {
            return Err(ProtocolError::new(
                ErrorCode::InvalidCampaignIds,
                "\"campaignIds\" is empty",
            ));
        }
        if ids.len() > max_ids {
            return Err(ProtocolError::new(
                ErrorCode::TooManySubscriptions,
                format!(
                    "{} campaign ids given; a client may subscribe to at most {max_ids}",
                    ids.len()
                ),
            ));
        }
        let campaign_ids = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                id.as_i64().map(CampaignId).ok_or_else(|| {
                    ProtocolError::new(
                        ErrorCode::InvalidCampaignIds,
                        format!(
                            "campaignIds[{i}] is not an integer campaign id: {}",
                            truncate(&id.to_string(), 64)
                        ),
                    )
                })
            })
            .collect::<Result<Vec<CampaignId>, _>>()?;
        Ok(if kind == "subscribe" {
            ClientMessage::Subscribe { campaign_ids }
        } else {
            ClientMessage::Unsubscribe { campaign_ids }
        })
    }
}

/// The rest of an `auth` message (its `type` removed): exactly a string `token`. The token is
/// never echoed in an error.
fn parse_auth(
    mut object: serde_json::Map<String, serde_json::Value>,
) -> Result<ClientMessage, ProtocolError> {
    let token = match object.remove("token") {
        Some(serde_json::Value::String(token)) => token,
        None => {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                "auth needs a \"token\" string",
            ));
        }
        Some(_) => {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                "\"token\" must be a string",
            ));
        }
    };
    if let Some(field) = object.keys().next() {
        return Err(ProtocolError::new(
            ErrorCode::InvalidMessage,
            format!(
                "unknown field {:?} in auth; expected \"type\" and \"token\"",
                truncate(field, 64)
            ),
        ));
    }
    Ok(ClientMessage::Auth {
        token: AuthToken(token),
    })
}

/// At most `max` characters of `s`, so that an error message never echoes a huge input.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use dragnet_domain::{Phase, PhaseStatus};

    fn sample() -> PhaseProgress {
        PhaseProgress {
            campaign_id: CampaignId(7),
            current_phase: Phase::DnsValidation,
            phase_status: PhaseStatus::Running,
            total_items: 200,
            processed_items: 50,
            successful_items: 40,
            failed_items: 10,
            rate_per_second: 12.5,
            eta_seconds: None,
        }
    }

    fn ids(ids: &[i64]) -> Vec<CampaignId> {
        ids.iter().copied().map(CampaignId).collect()
    }

    #[test]
    fn progress_message_has_the_one_format() {
        let text = progress_text(3, &sample());
        assert_eq!(
            &*text,
            r#"{"type":"campaign.progress","seq":3,"data":{"campaignId":7,"currentPhase":"dns_validation","phaseStatus":"running","totalItems":200,"processedItems":50,"successfulItems":40,"failedItems":10,"progressPercent":25.0,"ratePerSecond":12.5,"etaSeconds":null}}"#
        );
        let back: ServerMessage = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back,
            ServerMessage::CampaignProgress {
                seq: 3,
                data: sample()
            }
        );
    }

    #[test]
    fn rescore_message_is_its_own_type() {
        use dragnet_domain::config::analysis::RelevanceWeights;
        use dragnet_domain::content::{RescoreState, RescoreStatus};
        let data = RescoreProgress {
            campaign_id: CampaignId(7),
            rescore: RescoreState {
                revision: 1,
                state: RescoreStatus::Completed,
                weights: RelevanceWeights::default(),
                scoring_version: 1,
                total_items: 3,
                processed_items: 3,
                started_at: chrono::DateTime::from_timestamp_millis(0).unwrap(),
                rescored_at: chrono::DateTime::from_timestamp_millis(1_000),
                error: None,
            },
            rate_per_second: 3.0,
        };
        let message = ServerMessage::CampaignRescore { data };
        let value: serde_json::Value = serde_json::from_str(&message.to_text()).unwrap();
        assert_eq!(value["type"], "campaign.rescore");
        assert_eq!(value["data"]["campaignId"], 7);
        assert_eq!(value["data"]["state"], "completed");
        assert_eq!(value["data"]["processedItems"], 3);
        assert_eq!(value["data"]["weights"]["notParked"], 0.2);
        assert_eq!(value["data"]["rescoredAt"], "1970-01-01T00:00:01Z");
        assert!(value.get("seq").is_none(), "{value}");
        let back: ServerMessage = serde_json::from_value(value).unwrap();
        assert_eq!(back, message);
    }

    #[test]
    fn control_messages_serialise_with_type_tags() {
        assert_eq!(
            &*ServerMessage::Subscribed {
                campaign_ids: ids(&[1, 2])
            }
            .to_text(),
            r#"{"type":"subscribed","campaignIds":[1,2]}"#
        );
        assert_eq!(
            &*ServerMessage::error(ErrorCode::UnknownCampaign, "campaign 9 does not exist")
                .to_text(),
            r#"{"type":"error","code":"unknown_campaign","message":"campaign 9 does not exist"}"#
        );
    }

    #[test]
    fn parses_valid_messages() {
        assert_eq!(
            ClientMessage::parse(r#"{"type":"subscribe","campaignIds":[1,2]}"#, 10),
            Ok(ClientMessage::Subscribe {
                campaign_ids: ids(&[1, 2])
            })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"campaignIds":[5],"type":"unsubscribe"}"#, 10),
            Ok(ClientMessage::Unsubscribe {
                campaign_ids: ids(&[5])
            })
        );
        // The serde derive accepts the same shape, for clients written in Rust.
        let parsed: ClientMessage =
            serde_json::from_str(r#"{"type":"subscribe","campaignIds":[1]}"#).unwrap();
        assert_eq!(
            parsed,
            ClientMessage::Subscribe {
                campaign_ids: ids(&[1])
            }
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let cases: &[(&str, ErrorCode, &str)] = &[
            ("{not json", ErrorCode::InvalidJson, "invalid JSON"),
            ("[1,2]", ErrorCode::InvalidMessage, "JSON object"),
            (
                r#"{"campaignIds":[1]}"#,
                ErrorCode::InvalidMessage,
                "\"type\"",
            ),
            (
                r#"{"type":3}"#,
                ErrorCode::InvalidMessage,
                "must be a string",
            ),
            (r#"{"type":"hello"}"#, ErrorCode::UnknownType, "\"hello\""),
            (
                r#"{"type":"subscribe"}"#,
                ErrorCode::MissingCampaignIds,
                "campaignIds",
            ),
            (
                r#"{"type":"subscribe","campaignIds":"1"}"#,
                ErrorCode::InvalidCampaignIds,
                "array",
            ),
            (
                r#"{"type":"subscribe","campaignIds":[]}"#,
                ErrorCode::InvalidCampaignIds,
                "empty",
            ),
            (
                r#"{"type":"subscribe","campaignIds":[1,"x"]}"#,
                ErrorCode::InvalidCampaignIds,
                "campaignIds[1]",
            ),
            (
                r#"{"type":"subscribe","campaignIds":[1.5]}"#,
                ErrorCode::InvalidCampaignIds,
                "1.5",
            ),
            (
                r#"{"type":"subscribe","campaignIds":[1],"extra":true}"#,
                ErrorCode::InvalidMessage,
                "\"extra\"",
            ),
            (
                r#"{"type":"subscribe","campaignIds":[1,2,3]}"#,
                ErrorCode::TooManySubscriptions,
                "at most 2",
            ),
        ];
        for (text, code, needle) in cases {
            let err = ClientMessage::parse(text, 2).unwrap_err();
            assert_eq!(err.code, *code, "{text}: {err:?}");
            assert!(err.message.contains(needle), "{text}: {}", err.message);
        }
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn schemas_describe_the_wire_format() {
        use utoipa::PartialSchema;
        let server = serde_json::to_string(&ServerMessage::schema()).unwrap();
        for needle in [
            "campaign.progress",
            "campaign.rescore",
            "unsubscribed",
            "campaignIds",
            "seq",
            "code",
        ] {
            assert!(server.contains(needle), "{needle} missing from {server}");
        }
        let client = serde_json::to_string(&ClientMessage::schema()).unwrap();
        assert!(client.contains("campaignIds"), "{client}");
        let data = serde_json::to_string(&PhaseProgress::schema()).unwrap();
        assert!(data.contains("etaSeconds"), "{data}");
    }

    #[test]
    fn auth_messages_parse_and_never_show_the_token() {
        let parsed = ClientMessage::parse(r#"{"type":"auth","token":"dgn_abc_s3cret"}"#, 2);
        assert_eq!(
            parsed,
            Ok(ClientMessage::Auth {
                token: AuthToken("dgn_abc_s3cret".to_owned())
            })
        );
        assert!(!format!("{parsed:?}").contains("s3cret"));
        for (text, needle) in [
            (r#"{"type":"auth"}"#, "token"),
            (r#"{"type":"auth","token":1}"#, "must be a string"),
            (r#"{"type":"auth","token":"s3cret","x":1}"#, "\"x\""),
        ] {
            let err = ClientMessage::parse(text, 2).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidMessage, "{text}");
            assert!(err.message.contains(needle), "{text}: {}", err.message);
            assert!(!err.message.contains("s3cret"), "{}", err.message);
        }
        assert_eq!(
            &*ServerMessage::Authenticated {
                token_id: Some("abc".to_owned())
            }
            .to_text(),
            r#"{"type":"authenticated","tokenId":"abc"}"#
        );
    }

    #[test]
    fn long_values_are_truncated_in_errors() {
        let long = "x".repeat(10_000);
        let err = ClientMessage::parse(&format!(r#"{{"type":"{long}"}}"#), 2).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message);
    }
}

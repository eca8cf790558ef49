//! Campaign endpoints: create, list, read, update, delete, phases, transitions and the
//! start/pause/resume/cancel/retry controls.

use std::collections::BTreeMap;

use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use dragnet_domain::config::analysis::RelevanceWeights;
use dragnet_domain::config::{CampaignConfiguration, CampaignConfigurationInput};
use dragnet_domain::content::RescoreState;
use dragnet_domain::{Action, CampaignId, Phase, PhaseStatus, ValidationErrors};
use dragnet_store::{CampaignFilter, Change, NewCampaign};

use crate::dto::{
    CampaignDto, CampaignListQuery, CampaignPage, ControlRequest, CreateCampaignRequest, PhasesDto,
    RescoreRequest, TransitionRequest, UpdateCampaignRequest,
};
use crate::error::{ApiError, ErrorCode, Problem};
use crate::extract::{ApiJson, parse_json};
use crate::state::AppState;

const MAX_NAME_CHARS: usize = 200;
const MAX_REASON_CHARS: usize = 500;

fn validate_name(name: &str, field: &str) -> Result<String, ApiError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(ApiError::validation(ValidationErrors::single(
            field,
            "must not be empty",
        )));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(ValidationErrors::single(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters long"),
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::validation(ValidationErrors::single(
            field,
            "must not contain control characters",
        )));
    }
    Ok(trimmed.to_owned())
}

/// Validates a configuration input, checks that the stored objects it names exist
/// ([`crate::catalog::check_references`]), and returns each configured phase's canonical JSON
/// (with every default written down).
async fn phase_configurations(
    state: &web::Data<AppState>,
    input: Option<CampaignConfigurationInput>,
) -> Result<BTreeMap<Phase, serde_json::Value>, ApiError> {
    let Some(input) = input else {
        return Ok(BTreeMap::new());
    };
    let config = CampaignConfiguration::try_from(input)
        .map_err(|e| ApiError::validation(e.within("configuration")))?;
    crate::catalog::check_references(state, &config).await?;
    let mut out = BTreeMap::new();
    for phase in config.configured_phases() {
        let json = match phase {
            Phase::DomainGeneration => serde_json::to_value(config.domain_generation()),
            Phase::DnsValidation => serde_json::to_value(config.dns_validation()),
            Phase::HttpKeywordValidation => serde_json::to_value(config.http_keyword_validation()),
            Phase::ContentAnalysis => serde_json::to_value(config.content_analysis()),
            Phase::LeadExtraction => serde_json::to_value(config.lead_extraction()),
        }
        .map_err(ApiError::internal)?;
        out.insert(phase, json);
    }
    Ok(out)
}

/// Refuses to reconfigure a phase that has started: what ran must stay what is stored.
fn ensure_pending(
    campaign: &dragnet_store::Campaign,
    configurations: &BTreeMap<Phase, serde_json::Value>,
) -> Result<(), ApiError> {
    for phase in configurations.keys() {
        let status = campaign
            .phase(*phase)
            .map_or(PhaseStatus::Pending, |p| p.status);
        if status != PhaseStatus::Pending {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "{phase} is {status}; only phases that have not started can be reconfigured"
                ),
            ));
        }
    }
    Ok(())
}

/// Stores phase configurations with compare-and-set from `version`; returns the new version.
fn store_configurations(
    store: &dragnet_store::Store,
    id: CampaignId,
    configurations: &BTreeMap<Phase, serde_json::Value>,
    mut version: i64,
) -> Result<i64, dragnet_store::StoreError> {
    for (phase, json) in configurations {
        version = store.set_phase_configuration(id, *phase, Some(json), Some(version))?;
    }
    Ok(version)
}

/// Create a campaign.
#[utoipa::path(
    tag = "campaigns",
    request_body = CreateCampaignRequest,
    responses(
        (status = 201, description = "The campaign was created.", body = CampaignDto),
        (status = 400, description = "Malformed JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid configuration; `errors` names the fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    body: ApiJson<CreateCampaignRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let name = validate_name(&body.name, "name")?;
    let initial_phase = body.initial_phase.unwrap_or(Phase::DomainGeneration);
    if !initial_phase.can_be_initial() {
        return Err(ApiError::validation(ValidationErrors::single(
            "initialPhase",
            format!(
                "a campaign cannot begin at {initial_phase}: it needs the results of {}",
                initial_phase
                    .requires()
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )));
    }
    let configurations = phase_configurations(&state, body.configuration).await?;
    let new = NewCampaign {
        name,
        initial_phase,
        launch_sequence: body.launch_sequence.unwrap_or(false),
        configurations,
    };
    let campaign = state.store.run(move |s| s.create_campaign(&new)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/campaigns/{}", campaign.id)))
        .json(CampaignDto::from(&campaign)))
}

/// List campaigns, newest first (keyset pages).
#[utoipa::path(
    tag = "campaigns",
    params(CampaignListQuery),
    responses(
        (status = 200, description = "One page of campaigns.", body = CampaignPage),
        (status = 400, description = "Invalid query.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    query: web::Query<CampaignListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = match query.limit {
        None => 50,
        Some(n @ 1..=200) => n,
        Some(n) => {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("limit must be between 1 and 200, got {n}"),
            ));
        }
    };
    let before = query
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>().map(CampaignId).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidQuery,
                    format!("cursor `{c}` is not a cursor from this API"),
                )
            })
        })
        .transpose()?;
    let filter = CampaignFilter {
        current_phase: query.current_phase,
        phase_status: query.phase_status,
        name_contains: query.q.filter(|q| !q.is_empty()),
    };
    let page = state
        .store
        .run(move |s| s.list_campaigns(&filter, before, limit))
        .await?;
    Ok(HttpResponse::Ok().json(CampaignPage {
        items: page.items.iter().map(CampaignDto::from).collect(),
        next_cursor: page.next.map(|c| c.0.to_string()),
    }))
}

/// Read a campaign.
#[utoipa::path(
    tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign.", body = CampaignDto),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let campaign = state.store.run(move |s| s.get_campaign(id)).await?;
    Ok(HttpResponse::Ok().json(CampaignDto::from(&campaign)))
}

/// Rename a campaign, or replace the configuration of phases that have not started.
#[utoipa::path(
    tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    request_body = UpdateCampaignRequest,
    responses(
        (status = 200, description = "The updated campaign.", body = CampaignDto),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A phase to reconfigure has already started.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid name or configuration.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/campaigns/{id}")]
pub async fn update_campaign(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
    body: ApiJson<UpdateCampaignRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let name = body
        .name
        .as_deref()
        .map(|n| validate_name(n, "name"))
        .transpose()?;
    let configurations = phase_configurations(&state, body.configuration).await?;
    let campaign = state
        .store
        .run(move |s| {
            let campaign = s.get_campaign(id)?;
            Ok::<_, dragnet_store::StoreError>((campaign, name, configurations))
        })
        .await?;
    let (campaign, name, configurations) = campaign;
    ensure_pending(&campaign, &configurations)?;
    let version = campaign.version;
    let updated = state
        .store
        .run(move |s| {
            let mut version = version;
            if let Some(name) = &name {
                version = s.rename_campaign(id, name, Some(version))?;
            }
            store_configurations(s, id, &configurations, version)?;
            s.get_campaign(id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CampaignDto::from(&updated)))
}

/// Delete a campaign and all its domains and results.
#[utoipa::path(
    tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 204, description = "Deleted (large campaigns are purged in the background)."),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/campaigns/{id}")]
pub async fn delete_campaign(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state.store.run(move |s| s.delete_campaign(id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The campaign's current phase, its status, the allowed transitions and every phase's
/// counters.
#[utoipa::path(
    tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The phases.", body = PhasesDto),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/campaigns/{id}/phases")]
pub async fn get_phases(
    state: web::Data<AppState>,
    id: web::Path<CampaignId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(phases(&state, id).await?))
}

/// The campaign's phases with the content-analysis summary and rescore, read in one call.
async fn phases(state: &AppState, id: CampaignId) -> Result<PhasesDto, ApiError> {
    let (campaign, summary, latest) = state
        .store
        .run(move |s| {
            let campaign = s.get_campaign(id)?;
            Ok::<_, dragnet_store::StoreError>((
                campaign,
                s.content_summary(id)?,
                s.rescore_state(id)?,
            ))
        })
        .await?;
    Ok(PhasesDto::new(&campaign, summary, latest))
}

/// Move the campaign to a later phase (skipping phases nothing later needs) and start it
/// unless `start` is false.
#[utoipa::path(
    tag = "campaigns",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key; a repeat within 10 minutes returns the first response."),
    ),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The campaign after the transition.", body = PhasesDto),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed now; the body names the current phase, its status and the allowed transitions.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid configuration or reason.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/campaigns/{id}/transition")]
pub async fn transition(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<CampaignId>,
    body: ApiJson<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    if body
        .transition_reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(ApiError::validation(ValidationErrors::single(
            "transitionReason",
            format!("must be at most {MAX_REASON_CHARS} characters long"),
        )));
    }
    let configurations = phase_configurations(&state, body.configuration).await?;
    let target = body.target_phase;
    let start_now = body.start.unwrap_or(true);
    let reason = body.transition_reason.unwrap_or_default();
    let key = idempotency_key(&req, id, "transition")?;
    state
        .idempotent(key, async {
            let campaign = state.store.run(move |s| s.get_campaign(id)).await?;
            ensure_pending(&campaign, &configurations)?;
            let version = state
                .store
                .run(move |s| store_configurations(s, id, &configurations, campaign.version))
                .await?;
            let advance = Change::new(Action::Advance {
                target_phase: target,
            })
            .expecting(version);
            state
                .engine
                .apply(id, advance)
                .await
                .map_err(ApiError::from)?;
            tracing::info!(campaign = %id, %target, reason = %reason, "campaign advanced");
            if start_now {
                state
                    .engine
                    .apply(id, Change::new(Action::Start))
                    .await
                    .map_err(ApiError::from)?;
            }
            Ok(HttpResponse::Ok().json(phases(&state, id).await?))
        })
        .await
}

/// Recompute every relevance score of the campaign from the stored components with new
/// weights (no page is read again). Runs in the background: the answer is the rescore's state
/// (`running`); its progress comes as `campaign.rescore` WebSocket messages and in the
/// `rescore` of the `content_analysis` phase (`GET /campaigns/{id}/phases`). The weights are
/// recorded in the campaign's `contentAnalysis` configuration. A server stopped mid-way
/// continues after its restart.
#[utoipa::path(
    tag = "campaigns",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key; a repeat within 10 minutes returns the first response."),
    ),
    request_body = RescoreRequest,
    responses(
        (status = 202, description = "The rescore began.", body = RescoreState),
        (status = 400, description = "Malformed JSON, a missing `weights` or an unknown field (named).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not now: `content_analysis` is running or paused, another rescore of the campaign is running, or the campaign has no content results yet; `context.reason` is `phase_active`, `rescore_running` or `no_results`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid weights (out of 0–1, or not summing to 1); `errors` names them.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/campaigns/{id}/rescore")]
pub async fn rescore(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<CampaignId>,
    body: ApiJson<RescoreRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let weights = RelevanceWeights::try_from(body.0.weights)
        .map_err(|e| ApiError::validation(e.within("weights")))?;
    let key = idempotency_key(&req, id, "rescore")?;
    state
        .idempotent(key, async {
            let started = state
                .engine
                .rescore(id, weights)
                .await
                .map_err(ApiError::from)?;
            Ok(HttpResponse::Accepted()
                .insert_header(("Location", format!("/api/v1/campaigns/{id}/phases")))
                .json(started))
        })
        .await
}

fn idempotency_key(
    req: &HttpRequest,
    id: CampaignId,
    action: &str,
) -> Result<Option<String>, ApiError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => {
            let v = v
                .to_str()
                .ok()
                .filter(|v| !v.is_empty() && v.len() <= 200)
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidQuery,
                        "Idempotency-Key must be 1 to 200 visible ASCII characters",
                    )
                })?;
            // Keys are per caller: another token reusing a key neither replays nor blocks
            // this caller's request.
            let caller = req
                .extensions()
                .get::<crate::auth::Principal>()
                .map(crate::auth::Principal::actor)
                .unwrap_or_default();
            Ok(Some(format!("{caller}/{id}/{action}/{v}")))
        }
    }
}

async fn control(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: CampaignId,
    body: web::Bytes,
    action: Action,
) -> Result<HttpResponse, ApiError> {
    // No body, or `null` (which the document allows), means no precondition.
    let precondition: ControlRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ControlRequest::default()
    } else {
        parse_json::<Option<ControlRequest>>(&body)?.unwrap_or_default()
    };
    let key = idempotency_key(&req, id, action.name())?;
    state
        .idempotent(key, async {
            let mut change = Change::new(action);
            if let Some(expected) = precondition.expected_status {
                let campaign = state.store.run(move |s| s.get_campaign(id)).await?;
                if campaign.state.phase_status != expected {
                    return Err(ApiError::new(
                        ErrorCode::Conflict,
                        format!(
                            "expectedStatus is {expected} but {} is {}",
                            campaign.state.current_phase, campaign.state.phase_status
                        ),
                    )
                    .with_context(serde_json::json!({
                        "currentPhase": campaign.state.current_phase,
                        "phaseStatus": campaign.state.phase_status,
                        "availableTransitions": campaign.state.available_transitions(),
                    })));
                }
                change = change.expecting(campaign.version);
            }
            if action == Action::Cancel {
                change = change.with_error("cancelled by the user");
            }
            state
                .engine
                .apply(id, change)
                .await
                .map_err(ApiError::from)?;
            Ok(HttpResponse::Ok().json(phases(&state, id).await?))
        })
        .await
}

macro_rules! control_endpoint {
    ($fn:ident, $path:literal, $action:expr, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(
            tag = "campaigns",
            params(
                ("id" = i64, Path, description = "Campaign id"),
                ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key; a repeat within 10 minutes returns the first response."),
            ),
            request_body(content = Option<ControlRequest>, description = "Optional precondition."),
            responses(
                (status = 200, description = "The campaign's phases after the action.", body = PhasesDto),
                (status = 404, description = "No such campaign.", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Not allowed in the current state, or `expectedStatus` does not hold; the body names the current phase, its status and the allowed transitions.", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $fn(
            state: web::Data<AppState>,
            req: HttpRequest,
            id: web::Path<CampaignId>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            control(state, req, id.into_inner(), body, $action).await
        }
    };
}

control_endpoint!(
    start,
    "/campaigns/{id}/start",
    Action::Start,
    "Start the current phase."
);
control_endpoint!(
    pause,
    "/campaigns/{id}/pause",
    Action::Pause,
    "Pause the running phase; it resumes from its checkpoint."
);
control_endpoint!(
    resume,
    "/campaigns/{id}/resume",
    Action::Resume,
    "Resume the paused phase."
);
control_endpoint!(
    cancel,
    "/campaigns/{id}/cancel",
    Action::Cancel,
    "Cancel the running or paused phase (it becomes failed; retry continues it)."
);
control_endpoint!(
    retry,
    "/campaigns/{id}/retry",
    Action::Retry,
    "Retry the failed phase from its last checkpoint."
);

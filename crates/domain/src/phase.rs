//! Phases, phase statuses and the transition rules of a campaign (SPEC §1).
//!
//! A campaign's whole lifecycle state is a [`CampaignState`]: its current [`Phase`] and that
//! phase's [`PhaseStatus`]. Every change to it goes through [`CampaignState::apply`], a pure
//! function that either returns the new state (and what happened to the phases in between) or a
//! [`TransitionError`] naming the current state and the actions that were allowed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A phase of a campaign, in pipeline order. The serialised ids are the canonical spelling used
/// everywhere (database, Rust, JSON, URLs, TypeScript).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Names are generated from a pattern or imported as a list.
    DomainGeneration,
    /// Each name is resolved over DNS.
    DnsValidation,
    /// Each resolved name is fetched over HTTP(S) and matched against keyword rules.
    HttpKeywordValidation,
    /// Each fetched page is analysed (parking, language, technologies, relevance).
    ContentAnalysis,
    /// Contact details are extracted from fetched pages.
    LeadExtraction,
}

impl Phase {
    /// Every phase, in pipeline order.
    pub const ALL: [Phase; 5] = [
        Phase::DomainGeneration,
        Phase::DnsValidation,
        Phase::HttpKeywordValidation,
        Phase::ContentAnalysis,
        Phase::LeadExtraction,
    ];

    /// The canonical snake_case id.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::DomainGeneration => "domain_generation",
            Phase::DnsValidation => "dns_validation",
            Phase::HttpKeywordValidation => "http_keyword_validation",
            Phase::ContentAnalysis => "content_analysis",
            Phase::LeadExtraction => "lead_extraction",
        }
    }

    /// Position in the pipeline, starting at 0. Also the value stored in the database.
    pub const fn index(self) -> usize {
        match self {
            Phase::DomainGeneration => 0,
            Phase::DnsValidation => 1,
            Phase::HttpKeywordValidation => 2,
            Phase::ContentAnalysis => 3,
            Phase::LeadExtraction => 4,
        }
    }

    /// The phase at pipeline position `index`, if any.
    pub const fn from_index(index: usize) -> Option<Phase> {
        if index < Self::ALL.len() {
            Some(Self::ALL[index])
        } else {
            None
        }
    }

    /// The phase after this one, or `None` for the last phase.
    pub const fn next(self) -> Option<Phase> {
        Self::from_index(self.index() + 1)
    }

    /// The earlier phases whose results this phase reads, and which therefore cannot be
    /// skipped when this phase may still run.
    ///
    /// `dns_validation` needs only domains, which come from generation *or* import, so it has
    /// no phase prerequisite; `lead_extraction` reads HTTP snapshots and does not need
    /// `content_analysis`.
    pub const fn requires(self) -> &'static [Phase] {
        match self {
            Phase::DomainGeneration | Phase::DnsValidation => &[],
            Phase::HttpKeywordValidation => &[Phase::DnsValidation],
            Phase::ContentAnalysis | Phase::LeadExtraction => &[Phase::HttpKeywordValidation],
        }
    }

    /// Whether any phase after this one needs this phase's results, so that it may not be
    /// skipped.
    pub fn is_required_later(self) -> bool {
        Self::ALL
            .iter()
            .filter(|later| **later > self)
            .any(|later| later.requires().contains(&self))
    }

    /// Whether a campaign may begin at this phase, skipping the ones before it.
    pub fn can_be_initial(self) -> bool {
        self.requires().is_empty()
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the canonical ids of an enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownId {
    /// What kind of id was expected (`phase`, `phase status`).
    pub kind: &'static str,
    /// The value that was given.
    pub value: String,
    /// The accepted ids, comma-separated.
    pub expected: &'static str,
}

impl FromStr for Phase {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownId {
                kind: "phase",
                value: s.to_owned(),
                expected: "domain_generation, dns_validation, http_keyword_validation, \
                           content_analysis, lead_extraction",
            })
    }
}

/// The status of one phase of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    /// Not started yet.
    Pending,
    /// Being worked on.
    Running,
    /// Stopped by the user; resumes from its checkpoint.
    Paused,
    /// Finished; every item was processed.
    Completed,
    /// Stopped by an engine error or a user cancel; `retry` continues from the checkpoint.
    Failed,
    /// Passed over without running.
    Skipped,
}

impl PhaseStatus {
    /// Every status, in the order of their stored values.
    pub const ALL: [PhaseStatus; 6] = [
        PhaseStatus::Pending,
        PhaseStatus::Running,
        PhaseStatus::Paused,
        PhaseStatus::Completed,
        PhaseStatus::Failed,
        PhaseStatus::Skipped,
    ];

    /// The canonical snake_case id.
    pub const fn as_str(self) -> &'static str {
        match self {
            PhaseStatus::Pending => "pending",
            PhaseStatus::Running => "running",
            PhaseStatus::Paused => "paused",
            PhaseStatus::Completed => "completed",
            PhaseStatus::Failed => "failed",
            PhaseStatus::Skipped => "skipped",
        }
    }

    /// The value stored in the database.
    pub const fn index(self) -> usize {
        match self {
            PhaseStatus::Pending => 0,
            PhaseStatus::Running => 1,
            PhaseStatus::Paused => 2,
            PhaseStatus::Completed => 3,
            PhaseStatus::Failed => 4,
            PhaseStatus::Skipped => 5,
        }
    }

    /// The status with stored value `index`, if any.
    pub const fn from_index(index: usize) -> Option<PhaseStatus> {
        if index < Self::ALL.len() {
            Some(Self::ALL[index])
        } else {
            None
        }
    }

    /// Whether the phase is finished, so that the campaign may advance past it.
    pub const fn is_done(self) -> bool {
        matches!(self, PhaseStatus::Completed | PhaseStatus::Skipped)
    }
}

impl fmt::Display for PhaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PhaseStatus {
    type Err = UnknownId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| UnknownId {
                kind: "phase status",
                value: s.to_owned(),
                expected: "pending, running, paused, completed, failed, skipped",
            })
    }
}

/// Something that changes a campaign's state: a user control or an engine event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed one by one: utoipa does not read `rename_all_fields` (the OpenAPI
// document said `target_phase` while the JSON has `targetPhase`).
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// User: pending → running.
    Start,
    /// User: running → paused.
    Pause,
    /// User: paused → running.
    Resume,
    /// User: running | paused → failed.
    Cancel,
    /// User: failed → running, continuing from the checkpoint.
    Retry,
    /// User: move the current phase forward to `targetPhase` (which becomes `pending`) once
    /// the current phase is completed or skipped; the phases in between become `skipped`.
    Advance {
        /// The phase to move to; later than the current one.
        #[serde(rename = "targetPhase")]
        target_phase: Phase,
    },
    /// Engine: running → completed.
    Complete,
    /// Engine: running | paused → failed (an error the engine could not recover from).
    Fail,
}

impl Action {
    /// Whether a user may request this action (the others come from the engine).
    pub const fn is_user_action(self) -> bool {
        !matches!(self, Action::Complete | Action::Fail)
    }

    /// The action's name (`start`, `advance`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Cancel => "cancel",
            Action::Retry => "retry",
            Action::Advance { .. } => "advance",
            Action::Complete => "complete",
            Action::Fail => "fail",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Advance { target_phase } => write!(f, "advance to {target_phase}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A campaign's lifecycle state: its current phase and that phase's status. Nothing else.
///
/// Invariants kept by every constructor and by [`CampaignState::apply`]: the phases before
/// `current_phase` are completed or skipped, the phases after it are pending, and therefore at
/// most one phase (the current one) is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CampaignState {
    /// The campaign's current phase.
    pub current_phase: Phase,
    /// The status of the current phase.
    pub phase_status: PhaseStatus,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action does not apply to the current phase in its current status.
    #[error(
        "cannot {action} while {phase} is {status}; allowed: {}",
        list_actions(allowed)
    )]
    NotAllowed {
        /// The refused action.
        action: Action,
        /// The current phase.
        phase: Phase,
        /// The current phase's status.
        status: PhaseStatus,
        /// The user actions that are allowed in this state.
        allowed: Vec<Action>,
    },
    /// An advance would skip a phase whose results a later phase needs.
    #[error("cannot skip {skipped}: {needed_by} needs its results")]
    RequiredPhase {
        /// The phase that would be skipped.
        skipped: Phase,
        /// A later phase that needs it.
        needed_by: Phase,
    },
    /// A campaign cannot begin at this phase.
    #[error("a campaign cannot begin at {phase}: it needs the results of {needs}")]
    InvalidInitialPhase {
        /// The requested initial phase.
        phase: Phase,
        /// The phase whose results it would lack.
        needs: Phase,
    },
}

fn list_actions(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "nothing (the campaign is finished)".to_owned();
    }
    actions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Internal refusal: `NotAllowed` is completed with the allowed actions by `apply`.
enum Refusal {
    NotAllowed,
    Error(TransitionError),
}

/// The result of a successful transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The state before.
    pub from: CampaignState,
    /// The state after.
    pub to: CampaignState,
    /// Phases that an advance passed over; they are now `skipped`.
    pub skipped: Vec<Phase>,
}

impl CampaignState {
    /// The state of a new campaign that begins at `initial` (normally `domain_generation`).
    /// The phases before `initial` count as skipped.
    pub fn new(initial: Phase) -> Result<Self, TransitionError> {
        if let Some(needs) = initial.requires().first() {
            return Err(TransitionError::InvalidInitialPhase {
                phase: initial,
                needs: *needs,
            });
        }
        Ok(Self {
            current_phase: initial,
            phase_status: PhaseStatus::Pending,
        })
    }

    /// The status of any phase of the campaign, derived from the current phase: earlier
    /// phases are `completed` unless they were skipped (which only the caller's records can
    /// tell, hence `was_skipped`), later ones are `pending`.
    pub fn status_of(&self, phase: Phase, was_skipped: bool) -> PhaseStatus {
        if phase == self.current_phase {
            self.phase_status
        } else if phase > self.current_phase {
            PhaseStatus::Pending
        } else if was_skipped {
            PhaseStatus::Skipped
        } else {
            PhaseStatus::Completed
        }
    }

    /// Whether the campaign is finished: its last phase is done.
    pub fn is_finished(&self) -> bool {
        self.current_phase.next().is_none() && self.phase_status.is_done()
    }

    /// Applies `action`, returning the transition or why it is not allowed.
    pub fn apply(self, action: Action) -> Result<Transition, TransitionError> {
        self.try_apply(action).map_err(|e| match e {
            Refusal::NotAllowed => TransitionError::NotAllowed {
                action,
                phase: self.current_phase,
                status: self.phase_status,
                allowed: self.available_transitions(),
            },
            Refusal::Error(e) => e,
        })
    }

    /// [`Self::apply`] without listing the allowed actions, so that
    /// [`Self::available_transitions`] can call it.
    fn try_apply(self, action: Action) -> Result<Transition, Refusal> {
        use PhaseStatus as S;
        let status = match (action, self.phase_status) {
            (Action::Start, S::Pending) => S::Running,
            (Action::Pause, S::Running) => S::Paused,
            (Action::Resume, S::Paused) => S::Running,
            (Action::Cancel | Action::Fail, S::Running | S::Paused) => S::Failed,
            (Action::Retry, S::Failed) => S::Running,
            (Action::Complete, S::Running) => S::Completed,
            (Action::Advance { target_phase }, status) if status.is_done() => {
                return self.advance(target_phase);
            }
            _ => return Err(Refusal::NotAllowed),
        };
        Ok(Transition {
            from: self,
            to: Self {
                current_phase: self.current_phase,
                phase_status: status,
            },
            skipped: Vec::new(),
        })
    }

    fn advance(self, target: Phase) -> Result<Transition, Refusal> {
        if target <= self.current_phase {
            return Err(Refusal::NotAllowed);
        }
        let skipped: Vec<Phase> = Phase::ALL
            .into_iter()
            .filter(|p| *p > self.current_phase && *p < target)
            .collect();
        for phase in &skipped {
            if let Some(needed_by) = Phase::ALL
                .into_iter()
                .find(|later| later > phase && later.requires().contains(phase))
            {
                return Err(Refusal::Error(TransitionError::RequiredPhase {
                    skipped: *phase,
                    needed_by,
                }));
            }
        }
        Ok(Transition {
            from: self,
            to: Self {
                current_phase: target,
                phase_status: PhaseStatus::Pending,
            },
            skipped,
        })
    }

    /// The user actions allowed in this state, advances included (one per reachable phase).
    pub fn available_transitions(&self) -> Vec<Action> {
        let mut candidates = vec![
            Action::Start,
            Action::Pause,
            Action::Resume,
            Action::Cancel,
            Action::Retry,
        ];
        candidates.extend(
            Phase::ALL
                .into_iter()
                .map(|target_phase| Action::Advance { target_phase }),
        );
        candidates
            .into_iter()
            .filter(|a| self.try_apply(*a).is_ok())
            .collect()
    }

    /// In full-sequence mode, the phase to start after the current one completes: the next
    /// phase for which `is_configured` holds, provided every phase passed over may be skipped.
    /// `None` when the campaign is finished or the current phase is not done.
    pub fn next_in_sequence(&self, is_configured: impl Fn(Phase) -> bool) -> Option<Phase> {
        if !self.phase_status.is_done() {
            return None;
        }
        Phase::ALL
            .into_iter()
            .filter(|p| *p > self.current_phase && is_configured(*p))
            .find(|target| {
                self.try_apply(Action::Advance {
                    target_phase: *target,
                })
                .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(current_phase: Phase, phase_status: PhaseStatus) -> CampaignState {
        CampaignState {
            current_phase,
            phase_status,
        }
    }

    #[test]
    fn ids_round_trip_through_str_and_serde() {
        for p in Phase::ALL {
            assert_eq!(p.as_str().parse::<Phase>(), Ok(p));
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
            assert_eq!(Phase::from_index(p.index()), Some(p));
        }
        for s in PhaseStatus::ALL {
            assert_eq!(s.as_str().parse::<PhaseStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert_eq!(PhaseStatus::from_index(s.index()), Some(s));
        }
        assert!("dns".parse::<Phase>().is_err());
        assert!("Running".parse::<PhaseStatus>().is_err());
    }

    #[test]
    fn canonical_order() {
        let ids: Vec<_> = Phase::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            ids,
            [
                "domain_generation",
                "dns_validation",
                "http_keyword_validation",
                "content_analysis",
                "lead_extraction"
            ]
        );
        assert!(Phase::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    /// Every (status, non-advance action) pair, against the table of SPEC §1.
    #[test]
    fn status_transition_table_is_exhaustive() {
        use Action as A;
        use PhaseStatus as S;
        let table: &[(S, A, Option<S>)] = &[
            (S::Pending, A::Start, Some(S::Running)),
            (S::Pending, A::Pause, None),
            (S::Pending, A::Resume, None),
            (S::Pending, A::Cancel, None),
            (S::Pending, A::Retry, None),
            (S::Pending, A::Complete, None),
            (S::Pending, A::Fail, None),
            (S::Running, A::Start, None),
            (S::Running, A::Pause, Some(S::Paused)),
            (S::Running, A::Resume, None),
            (S::Running, A::Cancel, Some(S::Failed)),
            (S::Running, A::Retry, None),
            (S::Running, A::Complete, Some(S::Completed)),
            (S::Running, A::Fail, Some(S::Failed)),
            (S::Paused, A::Start, None),
            (S::Paused, A::Pause, None),
            (S::Paused, A::Resume, Some(S::Running)),
            (S::Paused, A::Cancel, Some(S::Failed)),
            (S::Paused, A::Retry, None),
            (S::Paused, A::Complete, None),
            (S::Paused, A::Fail, Some(S::Failed)),
            (S::Completed, A::Start, None),
            (S::Completed, A::Pause, None),
            (S::Completed, A::Resume, None),
            (S::Completed, A::Cancel, None),
            (S::Completed, A::Retry, None),
            (S::Completed, A::Complete, None),
            (S::Completed, A::Fail, None),
            (S::Failed, A::Start, None),
            (S::Failed, A::Pause, None),
            (S::Failed, A::Resume, None),
            (S::Failed, A::Cancel, None),
            (S::Failed, A::Retry, Some(S::Running)),
            (S::Failed, A::Complete, None),
            (S::Failed, A::Fail, None),
            (S::Skipped, A::Start, None),
            (S::Skipped, A::Pause, None),
            (S::Skipped, A::Resume, None),
            (S::Skipped, A::Cancel, None),
            (S::Skipped, A::Retry, None),
            (S::Skipped, A::Complete, None),
            (S::Skipped, A::Fail, None),
        ];
        assert_eq!(table.len(), PhaseStatus::ALL.len() * 7);
        for phase in Phase::ALL {
            for (status, action, expected) in table {
                let got = state(phase, *status).apply(*action);
                match expected {
                    Some(to) => {
                        let t = got.unwrap_or_else(|e| panic!("{phase} {status} {action}: {e}"));
                        assert_eq!(t.to, state(phase, *to), "{phase} {status} {action}");
                        assert!(t.skipped.is_empty());
                    }
                    None => assert!(
                        matches!(got, Err(TransitionError::NotAllowed { .. })),
                        "{phase} {status} {action} should be refused, got {got:?}"
                    ),
                }
            }
        }
    }

    /// Every (current phase, status, target phase) advance.
    #[test]
    fn advance_table_is_exhaustive() {
        use Phase as P;
        for from in Phase::ALL {
            for status in PhaseStatus::ALL {
                for target in Phase::ALL {
                    let got = state(from, status).apply(Action::Advance {
                        target_phase: target,
                    });
                    let skipped: Vec<_> = Phase::ALL
                        .into_iter()
                        .filter(|p| *p > from && *p < target)
                        .collect();
                    // Only content_analysis may be passed over (lead_extraction does not
                    // need it); skipping dns or http would starve a later phase.
                    let skippable = skipped.iter().all(|p| *p == P::ContentAnalysis);
                    if status.is_done() && target > from && skippable {
                        let t = got.unwrap();
                        assert_eq!(t.to, state(target, PhaseStatus::Pending));
                        assert_eq!(t.skipped, skipped);
                    } else {
                        assert!(got.is_err(), "{from} {status} -> {target}: {got:?}");
                    }
                }
            }
        }
        let err = state(P::DomainGeneration, PhaseStatus::Completed)
            .apply(Action::Advance {
                target_phase: P::HttpKeywordValidation,
            })
            .unwrap_err();
        assert_eq!(
            err,
            TransitionError::RequiredPhase {
                skipped: P::DnsValidation,
                needed_by: P::HttpKeywordValidation
            }
        );
    }

    #[test]
    fn requirements() {
        assert!(Phase::DnsValidation.is_required_later());
        assert!(Phase::HttpKeywordValidation.is_required_later());
        assert!(!Phase::ContentAnalysis.is_required_later());
        assert!(!Phase::LeadExtraction.is_required_later());
        assert!(Phase::DomainGeneration.can_be_initial());
        assert!(Phase::DnsValidation.can_be_initial());
        assert!(!Phase::HttpKeywordValidation.can_be_initial());
        assert!(CampaignState::new(Phase::LeadExtraction).is_err());
        assert_eq!(
            CampaignState::new(Phase::DnsValidation).unwrap(),
            state(Phase::DnsValidation, PhaseStatus::Pending)
        );
    }

    #[test]
    fn refusal_names_state_and_allowed_actions() {
        let err = state(Phase::DnsValidation, PhaseStatus::Completed)
            .apply(Action::Pause)
            .unwrap_err();
        let TransitionError::NotAllowed {
            phase,
            status,
            allowed,
            ..
        } = &err
        else {
            panic!("unexpected {err:?}")
        };
        assert_eq!(*phase, Phase::DnsValidation);
        assert_eq!(*status, PhaseStatus::Completed);
        assert_eq!(
            allowed,
            &[Action::Advance {
                target_phase: Phase::HttpKeywordValidation
            }]
        );
        assert_eq!(
            err.to_string(),
            "cannot pause while dns_validation is completed; allowed: advance to http_keyword_validation"
        );
    }

    #[test]
    fn available_transitions_per_status() {
        let p = Phase::HttpKeywordValidation;
        assert_eq!(
            state(p, PhaseStatus::Pending).available_transitions(),
            [Action::Start]
        );
        assert_eq!(
            state(p, PhaseStatus::Running).available_transitions(),
            [Action::Pause, Action::Cancel]
        );
        assert_eq!(
            state(p, PhaseStatus::Paused).available_transitions(),
            [Action::Resume, Action::Cancel]
        );
        assert_eq!(
            state(p, PhaseStatus::Failed).available_transitions(),
            [Action::Retry]
        );
        assert_eq!(
            state(p, PhaseStatus::Completed).available_transitions(),
            [
                Action::Advance {
                    target_phase: Phase::ContentAnalysis
                },
                Action::Advance {
                    target_phase: Phase::LeadExtraction
                }
            ]
        );
        let last = state(Phase::LeadExtraction, PhaseStatus::Completed);
        assert!(last.available_transitions().is_empty());
        assert!(last.is_finished());
    }

    #[test]
    fn sequence_skips_unconfigured_phases_only_when_allowed() {
        let done_http = state(Phase::HttpKeywordValidation, PhaseStatus::Completed);
        assert_eq!(
            done_http.next_in_sequence(|p| p != Phase::ContentAnalysis),
            Some(Phase::LeadExtraction)
        );
        let done_gen = state(Phase::DomainGeneration, PhaseStatus::Completed);
        // dns_validation is not configured, and http cannot run without it.
        assert_eq!(
            done_gen.next_in_sequence(|p| p != Phase::DnsValidation),
            None
        );
        assert_eq!(
            done_gen.next_in_sequence(|_| true),
            Some(Phase::DnsValidation)
        );
        let running = state(Phase::DomainGeneration, PhaseStatus::Running);
        assert_eq!(running.next_in_sequence(|_| true), None);
    }

    #[test]
    fn action_serialises_with_tag() {
        let json = serde_json::to_string(&Action::Advance {
            target_phase: Phase::LeadExtraction,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"action":"advance","targetPhase":"lead_extraction"}"#
        );
        assert_eq!(
            serde_json::to_string(&Action::Pause).unwrap(),
            r#"{"action":"pause"}"#
        );
    }
}

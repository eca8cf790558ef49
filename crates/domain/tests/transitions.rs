//! Property tests of the campaign transition rules (`dragnet_domain::phase`) against an
//! independent model of SPEC §1.
//!
//! The model keeps the status of all five phases (the "board"), including `skipped` for the
//! phases an advance passed over. Random sequences of actions are applied both to
//! [`CampaignState::apply`] and to the model; after every step the board must be valid and
//! agree with the state, refusals must leave the state unchanged and list exactly
//! [`CampaignState::available_transitions`], and every listed action must be accepted.
//! An exhaustive search over every reachable board checks the same invariants without
//! relying on random sampling.

use std::collections::{HashSet, VecDeque};

use dragnet_domain::{Action, CampaignState, Phase, PhaseStatus, TransitionError};
use proptest::prelude::*;

/// The phases whose results a phase reads, written from SPEC §1 independently of
/// `Phase::requires`: HTTP needs DNS results; content analysis and lead extraction need HTTP
/// snapshots; lead extraction does not need content analysis.
fn needs(phase: Phase) -> &'static [Phase] {
    match phase {
        Phase::HttpKeywordValidation => &[Phase::DnsValidation],
        Phase::ContentAnalysis | Phase::LeadExtraction => &[Phase::HttpKeywordValidation],
        Phase::DomainGeneration | Phase::DnsValidation => &[],
    }
}

/// A phase may be passed over only when no later phase needs it.
fn skippable(phase: Phase) -> bool {
    Phase::ALL
        .into_iter()
        .filter(|later| *later > phase)
        .all(|later| !needs(later).contains(&phase))
}

/// Every action there is: the five status controls, the two engine events and one advance
/// per phase.
fn all_actions() -> Vec<Action> {
    let mut actions = vec![
        Action::Start,
        Action::Pause,
        Action::Resume,
        Action::Cancel,
        Action::Retry,
        Action::Complete,
        Action::Fail,
    ];
    actions.extend(
        Phase::ALL
            .into_iter()
            .map(|target_phase| Action::Advance { target_phase }),
    );
    actions
}

/// The five-phase board of a campaign: what SPEC §1 says each phase's status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Board {
    current: Phase,
    statuses: [PhaseStatus; 5],
}

impl Board {
    fn new(initial: Phase) -> Self {
        let mut statuses = [PhaseStatus::Pending; 5];
        for p in Phase::ALL.into_iter().filter(|p| *p < initial) {
            statuses[p.index()] = PhaseStatus::Skipped;
        }
        Self {
            current: initial,
            statuses,
        }
    }

    fn status(&self, phase: Phase) -> PhaseStatus {
        self.statuses[phase.index()]
    }

    fn state(&self) -> CampaignState {
        CampaignState {
            current_phase: self.current,
            phase_status: self.status(self.current),
        }
    }

    /// The model's answer to `action`: the next board and the phases passed over, or `None`
    /// when SPEC §1 does not allow it.
    fn step(&self, action: Action) -> Option<(Board, Vec<Phase>)> {
        use PhaseStatus as S;
        let status = self.status(self.current);
        let new_status = match (action, status) {
            (Action::Start, S::Pending) => S::Running,
            (Action::Pause, S::Running) => S::Paused,
            (Action::Resume, S::Paused) => S::Running,
            (Action::Cancel | Action::Fail, S::Running | S::Paused) => S::Failed,
            (Action::Retry, S::Failed) => S::Running,
            (Action::Complete, S::Running) => S::Completed,
            (Action::Advance { target_phase }, S::Completed | S::Skipped)
                if target_phase > self.current =>
            {
                let between: Vec<Phase> = Phase::ALL
                    .into_iter()
                    .filter(|p| *p > self.current && *p < target_phase)
                    .collect();
                if !between.iter().all(|p| skippable(*p)) {
                    return None;
                }
                let mut next = *self;
                for p in &between {
                    next.statuses[p.index()] = S::Skipped;
                }
                next.current = target_phase;
                next.statuses[target_phase.index()] = S::Pending;
                return Some((next, between));
            }
            _ => return None,
        };
        let mut next = *self;
        next.statuses[self.current.index()] = new_status;
        Some((next, Vec::new()))
    }

    /// The invariants of SPEC §1 on the whole board, and its agreement with the state.
    fn assert_valid(&self) {
        for p in Phase::ALL {
            let s = self.status(p);
            if p < self.current {
                assert!(
                    matches!(s, PhaseStatus::Completed | PhaseStatus::Skipped),
                    "{p} before the current phase is {s}: {self:?}"
                );
            } else if p > self.current {
                assert_eq!(
                    s,
                    PhaseStatus::Pending,
                    "{p} after the current phase: {self:?}"
                );
            }
            // A phase a later one needs is never skipped.
            if s == PhaseStatus::Skipped {
                assert!(
                    skippable(p),
                    "{p} skipped although a later phase needs it: {self:?}"
                );
            }
            let state = self.state();
            assert_eq!(
                state.status_of(p, s == PhaseStatus::Skipped),
                s,
                "status_of({p}) disagrees with the board {self:?}"
            );
        }
        let running = self
            .statuses
            .iter()
            .filter(|s| **s == PhaseStatus::Running)
            .count();
        assert!(running <= 1, "two phases running: {self:?}");
        let state = self.state();
        assert_eq!(
            state.is_finished(),
            self.current == Phase::LeadExtraction && self.status(self.current).is_done()
        );
    }
}

/// Applies `action` to the real state and to the model, checking every per-step property.
/// Returns the next board.
fn check_step(board: Board, action: Action) -> Board {
    let state = board.state();
    let available = state.available_transitions();
    let expected = board.step(action);
    let before = state;
    match state.apply(action) {
        Ok(t) => {
            let (next, skipped) =
                expected.unwrap_or_else(|| panic!("{action} accepted in {board:?}: {t:?}"));
            assert_eq!(t.from, before);
            assert_eq!(t.to, next.state(), "{action} in {board:?}");
            assert_eq!(t.skipped, skipped, "{action} in {board:?}");
            // The user actions that are accepted are exactly the available ones.
            assert_eq!(
                available.contains(&action),
                action.is_user_action(),
                "{action} accepted in {board:?} but available is {available:?}"
            );
            next.assert_valid();
            next
        }
        Err(e) => {
            assert!(
                expected.is_none(),
                "{action} refused in {board:?} ({e}), model expected {expected:?}"
            );
            assert!(!available.contains(&action), "{action} listed but refused");
            // `apply` takes the state by value; the caller's copy is untouched.
            assert_eq!(state, before);
            match e {
                TransitionError::NotAllowed {
                    action: refused,
                    phase,
                    status,
                    allowed,
                } => {
                    assert_eq!(refused, action);
                    assert_eq!(phase, state.current_phase);
                    assert_eq!(status, state.phase_status);
                    assert_eq!(allowed, available, "allowed list of {action} in {board:?}");
                }
                TransitionError::RequiredPhase { skipped, needed_by } => {
                    let Action::Advance { target_phase } = action else {
                        panic!("RequiredPhase for {action}");
                    };
                    assert!(state.phase_status.is_done());
                    assert!(skipped > state.current_phase && skipped < target_phase);
                    assert!(needed_by > skipped && needs(needed_by).contains(&skipped));
                }
                TransitionError::InvalidInitialPhase { .. } => {
                    panic!("InvalidInitialPhase from apply({action})")
                }
            }
            board
        }
    }
}

/// Properties of the state itself, independent of the action taken next.
fn check_state(board: Board, configured: [bool; 5]) {
    let state = board.state();
    let available = state.available_transitions();
    for action in &available {
        assert!(action.is_user_action(), "{action} listed as available");
        assert!(
            state.apply(*action).is_ok(),
            "{action} is available in {board:?} but refused"
        );
    }
    // Every user action the model allows is listed.
    for action in all_actions().into_iter().filter(|a| a.is_user_action()) {
        assert_eq!(
            board.step(action).is_some(),
            available.contains(&action),
            "{action} in {board:?}"
        );
    }
    let is_configured = |p: Phase| configured[p.index()];
    match state.next_in_sequence(is_configured) {
        Some(next) => {
            assert!(state.phase_status.is_done());
            assert!(is_configured(next) && next > state.current_phase);
            assert!(
                state.apply(Action::Advance { target_phase: next }).is_ok(),
                "next_in_sequence returned {next}, which apply refuses in {board:?}"
            );
            // It is the first configured phase that may be reached.
            for earlier in Phase::ALL
                .into_iter()
                .filter(|p| *p > state.current_phase && *p < next && is_configured(*p))
            {
                assert!(
                    board
                        .step(Action::Advance {
                            target_phase: earlier
                        })
                        .is_none()
                );
            }
        }
        None => {
            if state.phase_status.is_done() {
                for p in Phase::ALL
                    .into_iter()
                    .filter(|p| *p > state.current_phase && is_configured(*p))
                {
                    assert!(
                        board.step(Action::Advance { target_phase: p }).is_none(),
                        "next_in_sequence missed {p} in {board:?}"
                    );
                }
            }
        }
    }
}

fn phase_strategy() -> impl Strategy<Value = Phase> {
    (0..5usize).prop_map(|i| Phase::ALL[i])
}

fn action_strategy() -> impl Strategy<Value = Action> {
    let actions = all_actions();
    (0..actions.len()).prop_map(move |i| actions[i])
}

/// One step: either any action at all, or (to walk deep into the pipeline) one picked among
/// the available ones and the engine events.
#[derive(Debug, Clone)]
enum Pick {
    Any(Action),
    Guided(usize),
}

fn pick_strategy() -> impl Strategy<Value = Pick> {
    prop_oneof![
        action_strategy().prop_map(Pick::Any),
        any::<usize>().prop_map(Pick::Guided),
    ]
}

fn resolve(pick: &Pick, state: CampaignState) -> Action {
    match pick {
        Pick::Any(a) => *a,
        Pick::Guided(i) => {
            let mut options = state.available_transitions();
            options.extend([Action::Complete, Action::Complete, Action::Fail]);
            options[i % options.len()]
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_sequences_keep_the_board_valid(
        initial in phase_strategy(),
        picks in prop::collection::vec(pick_strategy(), 0..120),
        configured in prop::array::uniform5(any::<bool>()),
    ) {
        let mut board = match CampaignState::new(initial) {
            Ok(state) => {
                prop_assert!(skippable_prefix(initial), "{initial} accepted as initial");
                let board = Board::new(initial);
                prop_assert_eq!(board.state(), state);
                board
            }
            Err(TransitionError::InvalidInitialPhase { phase, needs: needed }) => {
                prop_assert_eq!(phase, initial);
                prop_assert!(needs(initial).contains(&needed));
                prop_assert!(!skippable_prefix(initial));
                return Ok(());
            }
            Err(e) => panic!("unexpected error {e}"),
        };
        board.assert_valid();
        check_state(board, configured);
        for pick in &picks {
            let action = resolve(pick, board.state());
            board = check_step(board, action);
            check_state(board, configured);
        }
    }

    /// Full-sequence mode: completing each phase and following `next_in_sequence` never
    /// hits a refusal, and ends either finished or stopped before a phase that cannot run.
    #[test]
    fn full_sequence_mode_only_takes_allowed_steps(
        initial in prop_oneof![Just(Phase::DomainGeneration), Just(Phase::DnsValidation)],
        configured in prop::array::uniform5(any::<bool>()),
    ) {
        let is_configured = |p: Phase| configured[p.index()];
        let mut board = Board::new(initial);
        for _ in 0..20 {
            board = check_step(board, Action::Start);
            board = check_step(board, Action::Complete);
            match board.state().next_in_sequence(is_configured) {
                Some(next) => {
                    board = check_step(board, Action::Advance { target_phase: next });
                    prop_assert_eq!(board.current, next);
                }
                None => break,
            }
        }
        let state = board.state();
        prop_assert!(state.phase_status.is_done());
        // Either the campaign is finished, or the next configured phase cannot be reached.
        if !state.is_finished() {
            for p in Phase::ALL.into_iter().filter(|p| *p > board.current && is_configured(*p)) {
                let refused = board.step(Action::Advance { target_phase: p }).is_none();
                prop_assert!(refused, "{} could be reached from {:?}", p, board);
            }
        }
    }
}

/// Whether a campaign may begin at `initial` according to the model: every earlier phase
/// may be skipped.
fn skippable_prefix(initial: Phase) -> bool {
    Phase::ALL
        .into_iter()
        .filter(|p| *p < initial)
        .all(skippable)
}

/// Breadth-first search over every board reachable from every valid initial phase with
/// every action: the invariants hold on the whole reachable space, not only on samples.
#[test]
fn every_reachable_board_is_valid() {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::new();
    for initial in Phase::ALL {
        if CampaignState::new(initial).is_ok() {
            let board = Board::new(initial);
            board.assert_valid();
            if seen.insert(board) {
                queue.push_back(board);
            }
        }
    }
    let configurations: Vec<[bool; 5]> = (0..32u8)
        .map(|bits| std::array::from_fn(|i| bits & (1 << i) != 0))
        .collect();
    let mut finished = 0;
    while let Some(board) = queue.pop_front() {
        for configured in &configurations {
            check_state(board, *configured);
        }
        if board.state().is_finished() {
            finished += 1;
        }
        for action in all_actions() {
            let next = check_step(board, action);
            if seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    // Sanity: the search got to the end of the pipeline, both with and without content
    // analysis, and visited every status of every phase except `skipped` as a current status.
    assert!(finished >= 2, "only {finished} finished boards");
    for phase in Phase::ALL {
        for status in PhaseStatus::ALL {
            let reached = seen
                .iter()
                .any(|b| b.current == phase && b.status(phase) == status);
            let expected = status != PhaseStatus::Skipped;
            assert_eq!(reached, expected, "{phase} {status}");
        }
    }
    let content_skipped = seen
        .iter()
        .any(|b| b.status(Phase::ContentAnalysis) == PhaseStatus::Skipped);
    assert!(content_skipped);
    for p in [Phase::DnsValidation, Phase::HttpKeywordValidation] {
        assert!(!seen.iter().any(|b| b.status(p) == PhaseStatus::Skipped));
    }
}

#[test]
fn refused_initial_phases_name_what_they_need() {
    for initial in Phase::ALL {
        match CampaignState::new(initial) {
            Ok(_) => assert!(skippable_prefix(initial), "{initial}"),
            Err(TransitionError::InvalidInitialPhase {
                phase,
                needs: needed,
            }) => {
                assert_eq!(phase, initial);
                assert!(needs(initial).contains(&needed));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(CampaignState::new(Phase::DomainGeneration).is_ok());
    assert!(CampaignState::new(Phase::DnsValidation).is_ok());
    assert!(CampaignState::new(Phase::HttpKeywordValidation).is_err());
}

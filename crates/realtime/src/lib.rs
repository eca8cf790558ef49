//! Dragnet's real-time progress hub and the one `campaign.progress` message format.
//!
//! Invariant: progress reaches clients only as `campaign.progress` messages built here.

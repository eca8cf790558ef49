//! End-to-end tests: start the real `dragnet` binary on a random port and talk to it.

mod api;
mod auth;
mod backends;
mod catalog;
mod cli;
mod content;
mod engine;
mod http;
mod leads;
mod ops;
mod support;

use support::Dragnet;

#[test]
fn serve_answers_healthz() {
    let server = Dragnet::serve();
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"ok\""), "{body}");
}

#[test]
fn unknown_route_is_404() {
    let server = Dragnet::serve();
    let (status, _) = server.get("/no-such-route");
    assert_eq!(status, 404);
}

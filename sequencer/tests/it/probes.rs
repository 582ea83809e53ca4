//! What a cloud node needs at run time: `/healthz` and `/readyz` report each task and whether
//! the node halted; the binary stops gracefully on SIGTERM (what Kubernetes sends).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{config, launch, params};

/// `GET path` over a plain TCP connection: the status code and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out[9..12].parse().unwrap();
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_report_each_task_and_a_halt() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _client) = launch(config(dir.path(), params(), None, Duration::from_secs(60))).await;
    let addr = node.metrics_addr().unwrap();
    for path in ["/healthz", "/readyz"] {
        let (status, body) = get(addr, path);
        assert_eq!(status, 200, "{path}: {body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(report["tasks"], serde_json::json!([{ "name": "batcher", "alive": true }]), "{body}");
        assert_eq!(report["halted"], Value::Null);
    }
    assert_eq!(get(addr, "/nope").0, 404);

    // L1's clock reports an epoch past what the circuit carries (2³¹ − 1): the node halts.
    // Alive (restarting it in a loop would not help) but not ready.
    assert!(node.sequencer.advance_epoch(u32::MAX).is_err());
    let (status, body) = get(addr, "/readyz");
    assert_eq!(status, 503, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert!(report["halted"].as_str().unwrap().contains("moving to epoch"), "{body}");
    assert_eq!(get(addr, "/healthz").0, 200);
    assert!(node.health().live() && !node.health().ready());
    node.shutdown().await;
}

#[test]
fn sigterm_stops_the_binary_gracefully_and_options_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    // Configured through the environment, as a container is.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccr-sequencer"))
        .env("CCR_DB", dir.path())
        .envs([("CCR_DEPTH", "8"), ("CCR_BATCH_SIZE", "4"), ("CCR_RPC", "127.0.0.1:0")])
        .envs([("CCR_METRICS", "127.0.0.1:0"), ("CCR_NO_PROVER", "true"), ("CCR_NO_L1", "true")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let start = Instant::now();
    while !log.contains("node running") {
        assert!(start.elapsed() < Duration::from_secs(60), "no start within a minute:\n{log}");
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("exited before running:\n{log}");
        }
        log.push_str(&line);
    }
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?} after SIGTERM:\n{log}{rest}");
    assert!(rest.contains("SIGTERM") && rest.contains("node stopped"), "{rest}");
}

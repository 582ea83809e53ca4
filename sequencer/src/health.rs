//! Liveness of the node's background tasks, for `/healthz` and `/readyz` (served beside
//! `/metrics`).
//!
//! Each long-running task (batcher, prover, deposit watcher, settlement) is spawned through
//! [`TaskHealth::spawn`]: a guard inside the task marks it dead when the task's future ends or
//! is dropped, a panic included. A task that ends while the node is not shutting down is a
//! failure the probes report.
//!
//! [`TaskHealth::spawn`]: crate::health::TaskHealth::spawn

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::task::JoinHandle;

/// The registry of the node's tasks.
#[derive(Debug, Default)]
pub struct TaskHealth {
    tasks: Mutex<Vec<(&'static str, Arc<AtomicBool>)>>,
    stopping: AtomicBool,
}

/// Marks its task dead when dropped (the task's future ended, failed or panicked).
struct Alive(Arc<AtomicBool>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// What the probes report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    /// Each task by name, and whether it runs.
    pub tasks: Vec<TaskState>,
    /// Why the sequencer halted, if it did.
    pub halted: Option<String>,
}

/// One task's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskState {
    /// The task (`batcher`, `prover`, `deposits`, `settlement`).
    pub name: &'static str,
    /// Whether it runs.
    pub alive: bool,
}

impl HealthReport {
    /// Liveness: every task runs (a halted node is alive: restarting it in a loop would not
    /// help, an operator must look; see `/readyz`).
    pub fn live(&self) -> bool {
        self.tasks.iter().all(|t| t.alive)
    }

    /// Readiness: alive and not halted (a halted node accepts nothing).
    pub fn ready(&self) -> bool {
        self.live() && self.halted.is_none()
    }
}

impl TaskHealth {
    /// Spawns `task` on the runtime as `name`, tracked until it ends.
    pub fn spawn<F>(self: &Arc<Self>, name: &'static str, task: F) -> JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let flag = Arc::new(AtomicBool::new(true));
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).push((name, flag.clone()));
        tokio::spawn(async move {
            let _alive = Alive(flag);
            task.await;
        })
    }

    /// The node is shutting down: tasks ending now are expected.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Each task's state (all alive while the node stops), with `halted`.
    pub fn report(&self, halted: Option<String>) -> HealthReport {
        let stopping = self.stopping.load(Ordering::SeqCst);
        let tasks = self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(name, alive)| TaskState { name, alive: stopping || alive.load(Ordering::SeqCst) })
            .collect();
        HealthReport { tasks, halted }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure with its location
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_task_that_ends_or_panics_is_reported_dead() {
        let health = Arc::new(TaskHealth::default());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let waiting = health.spawn("batcher", async move {
            let _ = rx.await;
        });
        let panics = health.spawn("prover", async { panic!("boom") });
        let _ = panics.await;
        let r = health.report(None);
        assert_eq!(
            r.tasks,
            [TaskState { name: "batcher", alive: true }, TaskState { name: "prover", alive: false }]
        );
        assert!(!r.live() && !r.ready());
        // A task ending on its own is dead too; while stopping, ending is expected.
        tx.send(()).unwrap();
        waiting.await.unwrap();
        assert!(health.report(None).tasks.iter().all(|t| !t.alive));
        health.stopping();
        assert!(health.report(None).live());
        // Halted: alive, not ready.
        let fresh = Arc::new(TaskHealth::default());
        let r = fresh.report(Some("L1 settled batch 9, which is not sealed here".into()));
        assert!(r.live() && !r.ready());
    }
}

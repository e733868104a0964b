//! The driver's client with a bound on every wait for the server (`read_timeout`).
//!
//! Why a thread per call: the synchronous `postgres` client has no read timeout, and a server
//! process that is stopped (SIGSTOP, a frozen VM) while its kernel still acknowledges packets
//! is never detected by TCP keepalive: the call would wait forever. With `read_timeout` set,
//! each call runs on a helper thread and the caller waits for it at most that long; past it
//! the connection counts as lost (the helper is left waiting, and every later call fails at
//! once). Without `read_timeout`, calls run on the caller's thread, as the driver does.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use postgres::types::Type;
use postgres::{Row, SimpleQueryMessage};

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// The driver's error (the server's, or the connection's).
    Postgres(postgres::Error),
    /// No answer within `read_timeout`.
    NoAnswer(Duration),
    /// An earlier call lost the connection.
    LostEarlier,
}

pub struct BoundedClient {
    client: Arc<Mutex<postgres::Client>>,
    read_timeout: Option<Duration>,
    lost: bool,
}

impl BoundedClient {
    pub fn new(client: postgres::Client, read_timeout: Option<Duration>) -> Self {
        Self {
            client: Arc::new(Mutex::new(client)),
            read_timeout,
            lost: false,
        }
    }

    /// The client itself, for work that runs on the caller's thread without the bound
    /// (introspection); `None` once the connection was lost.
    pub fn unbounded(&mut self) -> Option<MutexGuard<'_, postgres::Client>> {
        if self.lost {
            return None;
        }
        Some(self.client.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn call<R: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut postgres::Client) -> Result<R, postgres::Error> + Send + 'static,
    ) -> Result<R, Failure> {
        if self.lost {
            return Err(Failure::LostEarlier);
        }
        let result = match self.read_timeout {
            None => work(&mut self.client.lock().unwrap_or_else(PoisonError::into_inner))
                .map_err(Failure::Postgres),
            Some(limit) => {
                let client = Arc::clone(&self.client);
                let (answer, answered) = mpsc::channel();
                std::thread::spawn(move || {
                    let mut client = client.lock().unwrap_or_else(PoisonError::into_inner);
                    let _ = answer.send(work(&mut client));
                });
                match answered.recv_timeout(limit) {
                    Ok(result) => result.map_err(Failure::Postgres),
                    Err(_) => Err(Failure::NoAnswer(limit)),
                }
            }
        };
        if let Err(failure) = &result {
            self.lost = match failure {
                // Not the server's answer: the connection broke under the call.
                Failure::Postgres(error) => error.as_db_error().is_none(),
                Failure::NoAnswer(_) | Failure::LostEarlier => true,
            };
        }
        result
    }

    pub fn simple_query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, Failure> {
        let sql = sql.to_owned();
        self.call(move |client| client.simple_query(&sql))
    }

    pub fn batch_execute(&mut self, sql: &str) -> Result<(), Failure> {
        let sql = sql.to_owned();
        self.call(move |client| client.batch_execute(&sql))
    }

    /// `query_typed` with text parameters (NULL: `None`).
    pub fn query_typed_text(
        &mut self,
        sql: &str,
        parameters: Vec<Option<String>>,
    ) -> Result<Vec<Row>, Failure> {
        let sql = sql.to_owned();
        self.call(move |client| {
            let typed: Vec<(&(dyn postgres::types::ToSql + Sync), Type)> = parameters
                .iter()
                .map(|p| (p as &(dyn postgres::types::ToSql + Sync), Type::TEXT))
                .collect();
            client.query_typed(&sql, &typed)
        })
    }
}

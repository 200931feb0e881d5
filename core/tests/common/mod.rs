//! Helpers shared by core's integration tests: a test key, and a closure
//! transport that records requests and answers from a script.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use blazeauth_core::http::{Request, Response};
use blazeauth_core::{Client, Config, ManagementKey, TransportError};

/// The documented example key.
pub const KEY: &str =
    "blz_mgmt_bak_0123456789abcdef_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";
/// Its secret part.
pub const SECRET: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL";

pub fn key() -> ManagementKey {
    ManagementKey::parse(KEY).unwrap()
}

pub fn config() -> Config {
    Config::new(key())
}

/// One scripted answer.
pub type Answer = Result<Response<Vec<u8>>, TransportError>;

/// One queued answer, computed from the request.
type Responder = Box<dyn FnMut(&Request<Vec<u8>>) -> Answer + Send>;

/// A transport answering from a queue and recording every request.
#[derive(Clone, Default)]
pub struct Script {
    answers: Arc<Mutex<VecDeque<Responder>>>,
    pub requests: Arc<Mutex<Vec<Request<Vec<u8>>>>>,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues an answer computed from the request.
    pub fn then(self, answer: impl FnMut(&Request<Vec<u8>>) -> Answer + Send + 'static) -> Self {
        self.answers.lock().unwrap().push_back(Box::new(answer));
        self
    }

    /// Queues a JSON body with status 200.
    pub fn json(self, body: &str) -> Self {
        self.status_json(200, body)
    }

    /// Queues a JSON body with `status`.
    pub fn status_json(self, status: u16, body: &str) -> Self {
        let body = body.as_bytes().to_vec();
        self.then(move |_| {
            Ok(Response::builder()
                .status(status)
                .body(body.clone())
                .unwrap())
        })
    }

    pub fn sent(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn transport(&self) -> impl Fn(Request<Vec<u8>>) -> Answer + Send + Sync + 'static + use<> {
        let script = self.clone();
        move |request: Request<Vec<u8>>| {
            let answer = {
                let mut answers = script.answers.lock().unwrap();
                answers.pop_front()
            };
            let result = match answer {
                Some(mut f) => f(&request),
                None => panic!("unscripted request to {}", request.uri()),
            };
            script.requests.lock().unwrap().push(request);
            result
        }
    }

    pub fn client(
        &self,
    ) -> Client<impl Fn(Request<Vec<u8>>) -> Answer + Send + Sync + 'static + use<>> {
        Client::new(config(), self.transport())
    }
}

/// The JSON body of a request.
pub fn body_json(request: &Request<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(request.body()).unwrap()
}

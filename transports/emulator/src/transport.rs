//! The emulator as a [`Transport`]: a [`Client<Emulator>`](blazeauth_core::Client)
//! runs in-process, with no socket, faults included.
//!
//! - [`Fault::Delay`](crate::Fault::Delay): the request is processed, then the
//!   answer comes after the delay. When the request carries a
//!   [`RequestTimeout`] shorter than the delay, the transport waits for the
//!   timeout and fails with `TransportError::maybe_sent` of kind `Timeout`,
//!   as a real transport would; the change stands.
//! - [`Fault::CloseConnection`](crate::Fault::CloseConnection): the request is
//!   processed, then `TransportError::maybe_sent` of kind `Io`.
//! - Every other fault is an HTTP answer, returned as it is.

use std::io;

use blazeauth_core::{RequestTimeout, Transport, TransportError, TransportErrorKind};

use crate::emulator::{Emulator, Exchange};

impl Transport for Emulator {
    type Error = TransportError;

    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let timeout = request.extensions().get::<RequestTimeout>().map(|t| t.0);
        match self.exchange(request) {
            Exchange::Answer(response) => Ok(response),
            Exchange::Delayed { response, delay } => match timeout {
                Some(timeout) if timeout < delay => {
                    std::thread::sleep(timeout);
                    Err(TransportError::maybe_sent(
                        TransportErrorKind::Timeout,
                        io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("no answer within {timeout:?} (emulator delay fault)"),
                        ),
                    ))
                }
                _ => {
                    std::thread::sleep(delay);
                    Ok(response)
                }
            },
            Exchange::Close => Err(TransportError::maybe_sent(
                TransportErrorKind::Io,
                io::Error::new(
                    io::ErrorKind::ConnectionAborted,
                    "the emulator closed the connection without answering (fault)",
                ),
            )),
        }
    }
}

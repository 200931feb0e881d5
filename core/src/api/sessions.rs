//! Live sessions (`API.md` section 9, partial): the HTTP listing of an
//! application's connected clients.
//!
//! The route needs `sessions:read`, access to the application, and a plan with
//! the live sessions overview (`liveSessionsOverview` in
//! [`AccountLimits`](super::AccountLimits)). The same path upgraded to a
//! WebSocket streams live deltas; that stream is not documented and not
//! offered here. Disconnecting a session (`sessions:disconnect`) has no
//! documented route: use a [`RawRequest`](crate::RawRequest).
//!
//! Unlike the panel tables, this route pages with `page`/`pageSize` and
//! reports `total`, `filteredTotal` and `pageSize`, all at the top level of
//! the response. [`SessionsPage::total_pages`] derives the page count from
//! them, so [`Client::pages`](crate::Client::pages) and the sans-IO
//! [`Pager`](crate::Pager) walk it like any table.

use std::hash::Hash;

use serde::Deserialize;
use serde::de::MapAccess;

use super::route;
use crate::endpoint::{Endpoint, MissingField, RequestParts};
use crate::envelope::Count;
use crate::id::ApplicationId;
use crate::pager::{PagedEndpoint, TablePage, TableRow};
use crate::search::SessionSearch;
use crate::validate::{InvalidInput, check_range};

/// Page sizes the route accepts: 1 to 50 (the server's default is 10).
pub const SESSIONS_PAGE_SIZE: (u32, u32) = (1, 50);

/// `GET /api/v1/wss/get-application-sessions`: one page of the
/// application's live sessions, optionally searched.
///
/// `page` is always sent (from 1); `pageSize` only when set (1–50, the server
/// defaults to 10); the search as `searchString` and repeated `categories`
/// ([`SessionSearch`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetSessions {
    application_id: ApplicationId,
    page: u32,
    page_size: Option<u32>,
    search: Option<SessionSearch>,
}

impl GetSessions {
    /// Page 1 of `application_id`'s sessions, at the server's page size.
    pub fn new(application_id: impl Into<ApplicationId>) -> Self {
        Self {
            application_id: application_id.into(),
            page: 1,
            page_size: None,
            search: None,
        }
    }

    /// Asks for page `page` (from 1).
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Asks for `size` sessions a page (1–50).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Filters by a search string in the given categories (`license`, `ip`,
    /// `clientId`; the server searches by license when none is given).
    pub fn search(mut self, search: SessionSearch) -> Self {
        self.search = Some(search);
        self
    }
}

impl Endpoint for GetSessions {
    type Payload = SessionsPayload;
    type Output = SessionsPage;

    route!(
        GET,
        path "/api/v1/wss/get-application-sessions",
        SessionsRead
    );

    fn write(&self, parts: &mut RequestParts) -> Result<(), InvalidInput> {
        check_range("page", u64::from(self.page), 1, u64::from(u32::MAX))?;
        if let Some(size) = self.page_size {
            let (min, max) = SESSIONS_PAGE_SIZE;
            check_range("pageSize", u64::from(size), u64::from(min), u64::from(max))?;
        }
        parts.query("applicationId", self.application_id.as_str());
        parts.query("page", &self.page.to_string());
        if let Some(size) = self.page_size {
            parts.query("pageSize", &size.to_string());
        }
        if let Some(search) = &self.search {
            search.append_to_query(parts.query_string_mut());
        }
        Ok(())
    }

    fn output(
        &self,
        _: Option<String>,
        payload: SessionsPayload,
    ) -> Result<SessionsPage, MissingField> {
        let total = payload.total.ok_or(MissingField("total"))?;
        Ok(SessionsPage {
            sessions: payload.items.ok_or(MissingField("items"))?,
            total,
            filtered_total: payload.filtered_total.unwrap_or(total),
            authorized_session_count: payload.authorized_session_count,
            last_connection_time: payload.last_connection_time,
            page: payload
                .page
                .and_then(|p| u32::try_from(p).ok())
                .unwrap_or(self.page),
            page_size: payload.page_size.or(self.page_size.map(u64::from)),
        })
    }
}

impl PagedEndpoint for GetSessions {
    fn page_number(&self) -> u32 {
        self.page
    }

    fn with_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// One page of live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionsPage {
    /// The sessions of this page (`items`).
    pub sessions: Vec<Session>,
    /// Sessions of the application (`total`).
    pub total: u64,
    /// Sessions the search matches (`filteredTotal`; `total` when absent).
    pub filtered_total: u64,
    /// `authorizedSessionCount`, as sent.
    pub authorized_session_count: Option<u64>,
    /// When the last client connected (`lastConnectionTime`, sent as
    /// milliseconds since the Unix epoch).
    pub last_connection_time: Option<crate::Timestamp>,
    /// The page number (as the server reported it, else as requested).
    pub page: u32,
    /// Sessions per page (as the server reported it, else as requested).
    pub page_size: Option<u64>,
}

impl TablePage for SessionsPage {
    type Row = Session;

    fn rows(&self) -> &[Session] {
        &self.sessions
    }

    fn into_rows(self) -> Vec<Session> {
        self.sessions
    }

    /// `filteredTotal / pageSize`, rounded up. Without a page size, or with a
    /// page size of 0, the current page counts as the last one.
    fn total_pages(&self) -> u64 {
        match self.page_size {
            Some(size) if size > 0 => self.filtered_total.div_ceil(size),
            _ => u64::from(self.page),
        }
    }
}

/// A live session: a desktop client connected to one of Blazeauth's servers.
/// Every field but the time may be absent (`None`) for a client that has not
/// signed in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Session {
    /// The server the client is connected to.
    #[serde(default)]
    pub server_id: Option<String>,
    /// The client's IP address.
    #[serde(default)]
    pub ip_address: Option<String>,
    /// When it connected (sent as milliseconds since the Unix epoch).
    #[serde(default)]
    pub created_at: Option<crate::Timestamp>,
    /// The client id.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The app user's login.
    #[serde(default)]
    pub login: Option<String>,
    /// The license it used.
    #[serde(default)]
    pub license: Option<String>,
}

impl TableRow for Session {
    /// Sessions have no id: a session is told apart by all of its fields.
    fn row_key(&self) -> impl Hash + '_ {
        (
            &self.server_id,
            &self.ip_address,
            self.created_at.as_ref().map(crate::Timestamp::unix_millis),
            &self.client_id,
            &self.login,
            &self.license,
        )
    }
}

/// The live-sessions payload: every field at the top level, no `data`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionsPayload {
    /// `total`.
    pub total: Option<u64>,
    /// `filteredTotal`.
    pub filtered_total: Option<u64>,
    /// `authorizedSessionCount`.
    pub authorized_session_count: Option<u64>,
    /// `lastConnectionTime`.
    pub last_connection_time: Option<crate::Timestamp>,
    /// `items`.
    pub items: Option<Vec<Session>>,
    /// `page`.
    pub page: Option<u64>,
    /// `pageSize`.
    pub page_size: Option<u64>,
}

impl crate::envelope::sealed::VisitField for SessionsPayload {
    fn visit_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let count = |map: &mut A| map.next_value::<Option<Count>>().map(|c| c.map(|c| c.0));
        match key {
            "items" => self.items = map.next_value()?,
            "total" => self.total = count(map)?,
            "filteredTotal" => self.filtered_total = count(map)?,
            "authorizedSessionCount" => self.authorized_session_count = count(map)?,
            "lastConnectionTime" => self.last_connection_time = map.next_value()?,
            "page" => self.page = count(map)?,
            "pageSize" => self.page_size = count(map)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

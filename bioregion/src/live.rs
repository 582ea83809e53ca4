//! `GET` a source's request URL over HTTPS (rustls with the ring provider) and parse the
//! answer. Only with the cargo feature `live`; nothing in the tests calls it.

use crate::error::DataError;
use crate::observation::Observation;
use crate::source::{DataSource, Query};
use crate::worldbank::WorldBank;

/// Fetches `query` from `source` and parses the answer.
///
/// # Errors
/// [`DataError::Fetch`] when the request fails or answers other than 200; the parser's
/// error otherwise.
pub async fn fetch(source: &dyn DataSource, query: &Query) -> Result<Vec<Observation>, DataError> {
    let url = source.request_url(query)?;
    let bytes = get(source.name(), &url).await?;
    source.parse(&bytes)
}

/// The body of a `GET` of `url`.
///
/// # Errors
/// [`DataError::Fetch`] when the request fails or answers other than 200.
pub async fn get(source_name: &'static str, url: &str) -> Result<Vec<u8>, DataError> {
    // ring, as ccr_l1::tls does (rustls 0.23.48 deprecates it for lacking post-quantum key
    // exchange; aws-lc would be a C build for every machine). Err: a provider is installed
    // already (this one, or the embedding program's).
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
    let fail = |message: String| DataError::Fetch { source_name, url: url.to_owned(), message };
    let client = reqwest::Client::builder()
        .user_agent(concat!("ccr-bioregion/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let response = client.get(url).send().await.map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("HTTP {status}")));
    }
    Ok(response.bytes().await.map_err(|e| fail(e.to_string()))?.to_vec())
}

/// Fetches every indicator of `query` from the World Bank, one request per indicator (the
/// API takes one) and every page of each answer.
///
/// # Errors
/// As [`fetch`]; [`DataError::Shape`] when pages disagree on how many there are.
pub async fn fetch_worldbank(source: &WorldBank, query: &Query) -> Result<Vec<Observation>, DataError> {
    let mut out = Vec::new();
    for indicator in &query.indicators {
        let one = Query { indicators: vec![indicator.clone()], ..query.clone() };
        let mut page = 1;
        loop {
            let url = source.page_url(&one, page)?;
            let (paging, rows) = source.parse_page(&get(source.name(), &url).await?)?;
            if paging.page != page {
                return Err(DataError::Shape {
                    source_name: source.name(),
                    at: "$[0].page".to_owned(),
                    message: format!("asked for page {page}, got {}", paging.page),
                });
            }
            out.extend(rows);
            if page >= paging.pages {
                break;
            }
            page += 1;
        }
    }
    Ok(out)
}

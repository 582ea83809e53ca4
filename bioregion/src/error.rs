use thiserror::Error;

/// Why a source's response (or a query for it) was refused. Every variant names the source
/// and where in the response the fault is (`line 12` of a CSV, a JSON path such as `[1][3].date`).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DataError {
    /// A column the layout needs is not in the header.
    #[error("{source_name}: missing column `{column}`")]
    MissingColumn {
        /// The source's name.
        source_name: &'static str,
        /// The column looked for.
        column: String,
    },
    /// A value that must be a number (or empty, for missing) is not one.
    #[error("{source_name}: {at}, field `{field}`: `{value}` is not a number")]
    NotANumber {
        /// The source's name.
        source_name: &'static str,
        /// Where: `line N` or a JSON path.
        at: String,
        /// The field (column or key).
        field: String,
        /// The text found.
        value: String,
    },
    /// A region code that is not an ISO 3166-1 alpha-3 code (or, for Eurostat, a NUTS code).
    #[error("{source_name}: {at}: `{value}` is not a region code ({expected})")]
    BadRegion {
        /// The source's name.
        source_name: &'static str,
        /// Where: `line N` or a JSON path.
        at: String,
        /// The text found.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A period that is not a year (`2022`): quarterly, monthly or garbage.
    #[error("{source_name}: {at}: `{value}` is not an annual period (a year such as 2022)")]
    BadYear {
        /// The source's name.
        source_name: &'static str,
        /// Where: `line N` or a JSON path.
        at: String,
        /// The text found.
        value: String,
    },
    /// The bytes are not CSV the reader accepts (a row of the wrong width, bad UTF-8).
    #[error("{source_name}: CSV, {at}: {message}")]
    Csv {
        /// The source's name.
        source_name: &'static str,
        /// Where: `line N`.
        at: String,
        /// The reader's message.
        message: String,
    },
    /// The bytes are not JSON.
    #[error("{source_name}: not JSON: {message}")]
    Json {
        /// The source's name.
        source_name: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The JSON is well formed but not in the response's documented shape.
    #[error("{source_name}: {at}: {message}")]
    Shape {
        /// The source's name.
        source_name: &'static str,
        /// The JSON path.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A JSON-stat dense `value` array shorter or longer than the product of `size`.
    #[error("{source_name}: `value` holds {got} entries, `size` says {expected}: truncated or padded")]
    ValueCount {
        /// The source's name.
        source_name: &'static str,
        /// Entries found.
        got: usize,
        /// The product of `size`.
        expected: usize,
    },
    /// A paged response of which this is not the whole: ask with a larger `per_page`, or fetch
    /// every page.
    #[error("{source_name}: page {page} of {pages} ({total} rows, {per_page} per page): the response is not the whole answer")]
    Paged {
        /// The source's name.
        source_name: &'static str,
        /// This page.
        page: u64,
        /// Pages in all.
        pages: u64,
        /// Rows per page.
        per_page: u64,
        /// Rows in all.
        total: u64,
    },
    /// The API answered with its own error message instead of data.
    #[error("{source_name}: the API answered with an error: {message}")]
    Api {
        /// The source's name.
        source_name: &'static str,
        /// The API's message.
        message: String,
    },
    /// A query this source cannot put into its request URL.
    #[error("{source_name}: query refused: {message}")]
    Query {
        /// The source's name.
        source_name: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The live fetch failed (feature `live`).
    #[error("{source_name}: fetching {url}: {message}")]
    Fetch {
        /// The source's name.
        source_name: &'static str,
        /// The URL requested.
        url: String,
        /// What went wrong.
        message: String,
    },
}

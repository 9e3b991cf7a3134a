//! The RFC 7644 §3.4.2.2 filter language: lexer, parser (also used for PATCH value paths),
//! canonical rendering, and evaluation against a resource's JSON.
//!
//! Input length and nesting depth are bounded so that no filter can exhaust the stack. Errors
//! are 400 invalidFilter with the 1-based character position of the problem.

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, FixedOffset};
use serde_json::{Number, Value};

use super::error::ScimError;
use super::json::{get_ci, is_present};
use super::path::{self, AttrPath, PatchPath};
use super::schema::{AttrType, AttributeDef, ResourceSchema};

/// Longest filter accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, `not` and value paths.
pub const MAX_DEPTH: usize = 32;

/// A parsed filter. Value paths of the form `emails[type eq "work"].value eq "x"` are
/// represented as `emails[type eq "work" and value eq "x"]`, which means the same.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `path[filter]`: some element of the multi-valued attribute matches `filter`, whose
    /// paths name sub-attributes of `path`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

/// A comparison literal.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
}

impl CompValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.clone()),
        }
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => write!(f, "{}", Value::String(s.clone())),
        }
    }
}

/// Parses a filter expression.
pub fn parse(input: &str) -> Result<Filter, ScimError> {
    let mut p = Parser::new(input).map_err(|e| ScimError::invalid_filter(e.render("filter")))?;
    let result = p
        .parse_or(Scope::Top)
        .and_then(|f| p.expect_end().map(|()| f));
    result.map_err(|e| ScimError::invalid_filter(e.render("filter")))
}

impl Filter {
    pub fn parse(input: &str) -> Result<Filter, ScimError> {
        parse(input)
    }

    /// Whether `resource` (canonical SCIM JSON, extensions under their URN) matches.
    pub fn matches(&self, resource: &Value, schema: &ResourceSchema) -> bool {
        eval(self, resource, Scope::Resource(schema))
    }

    /// A single top-level `eq` comparison, as `(canonical dotted path, value)`: the shape the
    /// storage layer can answer from an index. `emails[value eq "x"]` and `emails eq "x"` both
    /// give `"emails.value"`; extension attributes keep their URN.
    pub fn simple_eq(&self) -> Option<(String, &CompValue)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } => {
                let complex_with_value = path.sub.is_none()
                    && path::definition(path).is_some_and(|d| {
                        d.kind == AttrType::Complex && d.sub_attribute("value").is_some()
                    });
                if complex_with_value {
                    Some((format!("{path}.value"), value))
                } else {
                    Some((path.to_string(), value))
                }
            }
            Filter::ValuePath { path, filter } => match filter.as_ref() {
                Filter::Compare {
                    path: inner,
                    op: CompareOp::Eq,
                    value,
                } if path.sub.is_none() => Some((format!("{path}.{}", inner.name), value)),
                _ => None,
            },
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Or(l, r) => {
                write!(f, "{l} or ")?;
                grouped(f, r, matches!(r.as_ref(), Filter::Or(..)))
            }
            Filter::And(l, r) => {
                grouped(f, l, matches!(l.as_ref(), Filter::Or(..)))?;
                f.write_str(" and ")?;
                grouped(f, r, matches!(r.as_ref(), Filter::Or(..) | Filter::And(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

fn grouped(f: &mut fmt::Formatter<'_>, filter: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

// ---------------------------------------------------------------------------------------------
// Lexing

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Str(String),
    Word(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 1-based character position.
    pos: usize,
}

/// A parse error before it is given its `scimType`.
#[derive(Debug)]
struct SyntaxError {
    pos: usize,
    msg: String,
}

impl SyntaxError {
    fn render(&self, what: &str) -> String {
        format!("invalid {what} at position {}: {}", self.pos, self.msg)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '$' | '-' | '+')
}

fn lex(input: &str) -> Result<(Vec<Token>, usize), SyntaxError> {
    if input.len() > MAX_FILTER_LEN {
        return Err(SyntaxError {
            pos: 1,
            msg: format!("longer than {MAX_FILTER_LEN} bytes"),
        });
    }
    let mut tokens = Vec::new();
    let mut chars = input.chars().enumerate().peekable();
    let mut count = 0;
    while let Some((i, c)) = chars.next() {
        count = i + 1;
        let pos = i + 1;
        let tok = match c {
            c if c.is_whitespace() => continue,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            '"' => {
                let mut raw = String::from('"');
                let mut closed = false;
                let mut escaped = false;
                for (j, c) in chars.by_ref() {
                    count = j + 1;
                    raw.push(c);
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(SyntaxError {
                        pos,
                        msg: "unterminated string".into(),
                    });
                }
                let s = serde_json::from_str::<String>(&raw).map_err(|_| SyntaxError {
                    pos,
                    msg: "invalid string literal (use JSON string escapes)".into(),
                })?;
                Tok::Str(s)
            }
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some((j, c)) = chars.next_if(|(_, c)| is_word_char(*c)) {
                    count = j + 1;
                    word.push(c);
                }
                Tok::Word(word)
            }
            other => {
                return Err(SyntaxError {
                    pos,
                    msg: format!("unexpected character {other:?}"),
                })
            }
        };
        tokens.push(Token { tok, pos });
    }
    Ok((tokens, count + 1))
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[derive(Clone, Copy)]
enum Scope<'a> {
    /// Paths name attributes of the resource.
    Top,
    /// Paths name sub-attributes of a complex attribute (`None`: of an unknown extension).
    Within(Option<&'static AttributeDef>),
    /// Evaluation only: the resource's schema.
    Resource(&'a ResourceSchema),
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    end_pos: usize,
    depth: usize,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser {
    fn new(input: &str) -> PResult<Self> {
        let (tokens, end_pos) = lex(input)?;
        Ok(Self {
            tokens,
            next: 0,
            end_pos,
            depth: 0,
        })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.next).cloned();
        if t.is_some() {
            self.next += 1;
        }
        t
    }

    fn pos(&self) -> usize {
        self.peek().map_or(self.end_pos, |t| t.pos)
    }

    fn err<T>(&self, pos: usize, msg: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            pos,
            msg: msg.into(),
        })
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Word(w), .. }) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, want: Tok, what: &str) -> PResult<()> {
        match self.peek() {
            Some(t) if t.tok == want => {
                self.next += 1;
                Ok(())
            }
            _ => self.err(self.pos(), format!("expected {what}")),
        }
    }

    fn expect_end(&self) -> PResult<()> {
        match self.peek() {
            None => Ok(()),
            Some(t) => self.err(t.pos, format!("unexpected {}", describe(&t.tok))),
        }
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return self.err(self.pos(), format!("nested deeper than {MAX_DEPTH} levels"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn parse_or(&mut self, scope: Scope<'_>) -> PResult<Filter> {
        let mut left = self.parse_and(scope)?;
        while self.peek_keyword("or") {
            self.next += 1;
            let right = self.parse_and(scope)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, scope: Scope<'_>) -> PResult<Filter> {
        let mut left = self.parse_unary(scope)?;
        while self.peek_keyword("and") {
            self.next += 1;
            let right = self.parse_unary(scope)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_unary(&mut self, scope: Scope<'_>) -> PResult<Filter> {
        let pos = self.pos();
        match self.bump().map(|t| t.tok) {
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("not")
                    && matches!(
                        self.peek(),
                        Some(Token {
                            tok: Tok::LParen,
                            ..
                        })
                    ) =>
            {
                self.next += 1;
                let inner = self.nested(|p| p.parse_or(scope))?;
                self.expect(Tok::RParen, "\")\" to close \"not (\"")?;
                Ok(Filter::Not(Box::new(inner)))
            }
            Some(Tok::LParen) => {
                let inner = self.nested(|p| p.parse_or(scope))?;
                self.expect(Tok::RParen, "\")\"")?;
                Ok(inner)
            }
            Some(Tok::Word(w)) => self.parse_attr_expr(&w, pos, scope),
            Some(other) => self.err(
                pos,
                format!(
                    "expected an attribute name, \"(\" or \"not\", found {}",
                    describe(&other)
                ),
            ),
            None => self.err(pos, "expected an attribute name, \"(\" or \"not\""),
        }
    }

    fn resolve(&self, word: &str, pos: usize, scope: Scope<'_>) -> PResult<AttrPath> {
        match scope {
            Scope::Within(parent) => {
                if !path::is_attr_name(word) && !word.eq_ignore_ascii_case("$ref") {
                    return self.err(pos, format!("\"{word}\" is not a sub-attribute name"));
                }
                match parent {
                    Some(def) => match path::canonical_sub(def, word) {
                        Ok(name) => Ok(AttrPath::simple(&name)),
                        Err(why) => self.err(pos, why),
                    },
                    None => Ok(AttrPath::simple(word)),
                }
            }
            Scope::Top | Scope::Resource(_) => {
                AttrPath::parse(word).or_else(|why| self.err(pos, why))
            }
        }
    }

    fn parse_attr_expr(&mut self, word: &str, pos: usize, scope: Scope<'_>) -> PResult<Filter> {
        let path = self.resolve(word, pos, scope)?;
        let top = !matches!(scope, Scope::Within(_));
        if top
            && matches!(
                self.peek(),
                Some(Token {
                    tok: Tok::LBracket,
                    ..
                })
            )
        {
            let (parent, filter) = self.parse_value_filter(&path, pos)?;
            // `emails[type eq "work"].value eq "x"`, as Entra sends when matching users.
            if let Some(Token {
                tok: Tok::Word(w), ..
            }) = self.peek()
            {
                if let Some(sub) = w.strip_prefix('.') {
                    let sub_pos = self.pos() + 1;
                    let sub = sub.to_owned();
                    self.next += 1;
                    let sub_path = self.resolve(&sub, sub_pos, Scope::Within(parent))?;
                    let tail = self.parse_comparison(sub_path, &sub, parent)?;
                    return Ok(Filter::ValuePath {
                        path,
                        filter: Box::new(Filter::And(filter, Box::new(tail))),
                    });
                }
            }
            return Ok(Filter::ValuePath { path, filter });
        }
        let def = match scope {
            Scope::Within(parent) => parent.and_then(|d| d.sub_attribute(&path.name)),
            _ => definition_of(&path),
        };
        self.parse_comparison(path, word, def)
    }

    /// Parses `[ valFilter ]` after `path`, returning the parent definition and the filter.
    fn parse_value_filter(
        &mut self,
        path: &AttrPath,
        pos: usize,
    ) -> PResult<(Option<&'static AttributeDef>, Box<Filter>)> {
        if path.sub.is_some() {
            return self.err(
                pos,
                format!("\"{path}\" names a sub-attribute; cannot filter it"),
            );
        }
        let parent = path::definition(path);
        if parent.is_some_and(|d| d.kind != AttrType::Complex) {
            return self.err(pos, format!("\"{path}\" is not a complex attribute"));
        }
        self.next += 1;
        let inner = self.nested(|p| p.parse_or(Scope::Within(parent)))?;
        self.expect(Tok::RBracket, "\"]\"")?;
        Ok((parent, Box::new(inner)))
    }

    fn parse_comparison(
        &mut self,
        path: AttrPath,
        shown: &str,
        def: Option<&'static AttributeDef>,
    ) -> PResult<Filter> {
        let pos = self.pos();
        let op = match self.peek() {
            Some(Token {
                tok: Tok::Word(w), ..
            }) if w.eq_ignore_ascii_case("pr") => {
                self.next += 1;
                return Ok(Filter::Present(path));
            }
            Some(Token {
                tok: Tok::Word(w), ..
            }) => CompareOp::parse(w),
            _ => None,
        };
        let Some(op) = op else {
            return self.err(
                pos,
                format!("expected a comparison operator after \"{shown}\""),
            );
        };
        self.next += 1;
        let value_pos = self.pos();
        let value = match self.bump().map(|t| t.tok) {
            Some(Tok::Str(s)) => CompValue::String(s),
            Some(Tok::Word(w)) => match literal(&w) {
                Some(v) => v,
                None => {
                    return self.err(
                        value_pos,
                        format!("expected a value (a quoted string, number, true, false or null), found \"{w}\""),
                    )
                }
            },
            _ => {
                return self.err(
                    value_pos,
                    format!("expected a value after \"{}\"", op.as_str()),
                )
            }
        };
        let compared = def.map(compared_definition);
        let boolean = matches!(value, CompValue::Bool(_))
            || compared.is_some_and(|d| d.kind == AttrType::Boolean);
        if op.is_ordering() && (boolean || value == CompValue::Null) {
            return self.err(
                pos,
                format!("\"{}\" cannot compare booleans or null", op.as_str()),
            );
        }
        if op.is_substring() && matches!(value, CompValue::Bool(_) | CompValue::Null) {
            return self.err(pos, format!("\"{}\" needs a string value", op.as_str()));
        }
        Ok(Filter::Compare { path, op, value })
    }
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::LBracket => "\"[\"".into(),
        Tok::RBracket => "\"]\"".into(),
        Tok::Str(s) => Value::String(s.clone()).to_string(),
        Tok::Word(w) => format!("\"{w}\""),
    }
}

fn literal(word: &str) -> Option<CompValue> {
    if word.eq_ignore_ascii_case("true") {
        Some(CompValue::Bool(true))
    } else if word.eq_ignore_ascii_case("false") {
        Some(CompValue::Bool(false))
    } else if word.eq_ignore_ascii_case("null") {
        Some(CompValue::Null)
    } else if word.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        number(word).map(CompValue::Number)
    } else {
        None
    }
}

/// A JSON number. serde_json checks the syntax; floats are re-read with the standard
/// library, whose rounding is exact, so that rendering and reparsing give the same value.
fn number(word: &str) -> Option<Number> {
    let n = serde_json::from_str::<Number>(word).ok()?;
    if n.is_f64() {
        Number::from_f64(word.parse::<f64>().ok()?)
    } else {
        Some(n)
    }
}

fn definition_of(path: &AttrPath) -> Option<&'static AttributeDef> {
    let def = path::definition(path)?;
    match &path.sub {
        Some(s) => def.sub_attribute(s),
        None => Some(def),
    }
}

/// Comparing a complex attribute directly compares its `value` sub-attribute.
fn compared_definition(def: &'static AttributeDef) -> &'static AttributeDef {
    if def.kind == AttrType::Complex {
        def.sub_attribute("value").unwrap_or(def)
    } else {
        def
    }
}

/// Parses a PATCH path with the filter lexer; the error is the sentence for invalidPath.
pub(crate) fn parse_patch_path(input: &str) -> Result<PatchPath, String> {
    let mut p = Parser::new(input).map_err(|e| e.render("path"))?;
    let parsed = (|| {
        let pos = p.pos();
        let word = match p.bump().map(|t| t.tok) {
            Some(Tok::Word(w)) => w,
            _ => return p.err(pos, "expected an attribute name"),
        };
        let attr = p.resolve(&word, pos, Scope::Top)?;
        let mut out = PatchPath {
            attr,
            filter: None,
            sub: None,
        };
        if matches!(
            p.peek(),
            Some(Token {
                tok: Tok::LBracket,
                ..
            })
        ) {
            let (parent, filter) = p.parse_value_filter(&out.attr, pos)?;
            out.filter = Some(*filter);
            let sub_pos = p.pos();
            if let Some(Tok::Word(w)) = p.peek().map(|t| t.tok.clone()) {
                let Some(sub) = w.strip_prefix('.') else {
                    return p.err(sub_pos, format!("unexpected \"{w}\""));
                };
                p.next += 1;
                out.sub = Some(p.resolve(sub, sub_pos + 1, Scope::Within(parent))?.name);
            }
        }
        p.expect_end()?;
        Ok(out)
    })();
    parsed.map_err(|e| e.render("path"))
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/// Whether one element of a multi-valued complex attribute (defined by `parent`) matches a
/// value-path filter such as the `type eq "work"` of `emails[type eq "work"]`.
pub(crate) fn element_matches(
    filter: &Filter,
    element: &Value,
    parent: Option<&'static AttributeDef>,
) -> bool {
    eval(filter, element, Scope::Within(parent))
}

fn eval(filter: &Filter, doc: &Value, scope: Scope<'_>) -> bool {
    match filter {
        Filter::And(l, r) => eval(l, doc, scope) && eval(r, doc, scope),
        Filter::Or(l, r) => eval(l, doc, scope) || eval(r, doc, scope),
        Filter::Not(inner) => !eval(inner, doc, scope),
        Filter::Present(path) => {
            let (values, _) = lookup(doc, path, scope);
            values.iter().any(|v| is_present(v))
        }
        Filter::Compare { path, op, value } => {
            let (values, def) = lookup(doc, path, scope);
            let def = def.map(compared_definition);
            let present: Vec<&Value> = values
                .into_iter()
                .map(|v| match v {
                    Value::Object(_) => get_ci(v, "value").unwrap_or(&Value::Null),
                    other => other,
                })
                .filter(|v| !v.is_null())
                .collect();
            match (op, value) {
                (CompareOp::Eq, CompValue::Null) => present.is_empty(),
                (CompareOp::Ne, CompValue::Null) => !present.is_empty(),
                (CompareOp::Ne, _) => !present
                    .iter()
                    .any(|v| compare(v, CompareOp::Eq, value, def)),
                _ => present.iter().any(|v| compare(v, *op, value, def)),
            }
        }
        Filter::ValuePath { path, filter } => {
            let container = container(doc, path, scope);
            let Some(attr) = container.and_then(|c| get_ci(c, &path.name)) else {
                return false;
            };
            let parent = match scope {
                Scope::Resource(schema) => path.resolve_in(schema).map(|r| r.attribute),
                _ => path::definition(path),
            };
            let elements: Vec<&Value> = match attr {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            elements
                .into_iter()
                .filter(|e| e.is_object())
                .any(|e| eval(filter, e, Scope::Within(parent)))
        }
    }
}

fn container<'v>(doc: &'v Value, path: &AttrPath, scope: Scope<'_>) -> Option<&'v Value> {
    match (&path.urn, scope) {
        (Some(urn), Scope::Resource(_) | Scope::Top) => get_ci(doc, urn),
        _ => Some(doc),
    }
}

/// The values a path reaches (flattening multi-valued attributes) and its definition.
fn lookup<'v>(
    doc: &'v Value,
    path: &AttrPath,
    scope: Scope<'_>,
) -> (Vec<&'v Value>, Option<&'static AttributeDef>) {
    let def = match scope {
        Scope::Resource(schema) => path.resolve_in(schema).map(|r| r.target()),
        Scope::Within(parent) => parent.and_then(|d| d.sub_attribute(&path.name)),
        Scope::Top => definition_of(path),
    };
    let Some(value) = container(doc, path, scope).and_then(|c| get_ci(c, &path.name)) else {
        return (Vec::new(), def);
    };
    let mut out = Vec::new();
    let mut push = |v: &'v Value| match v {
        Value::Array(items) => out.extend(items.iter()),
        other => out.push(other),
    };
    match &path.sub {
        None => push(value),
        Some(sub) => match value {
            Value::Array(items) => items.iter().filter_map(|e| get_ci(e, sub)).for_each(push),
            other => {
                if let Some(v) = get_ci(other, sub) {
                    push(v)
                }
            }
        },
    }
    (out, def)
}

fn compare(
    actual: &Value,
    op: CompareOp,
    expected: &CompValue,
    def: Option<&AttributeDef>,
) -> bool {
    match (actual, expected) {
        (Value::Bool(a), CompValue::Bool(b)) => op == CompareOp::Eq && a == b,
        (Value::String(a), CompValue::Bool(b)) => {
            op == CompareOp::Eq && super::json::bool_from_str(a) == Some(*b)
        }
        (Value::Number(a), CompValue::Number(b)) => {
            number_cmp(a, b).is_some_and(|ord| ordering_matches(op, ord))
        }
        (Value::String(a), CompValue::String(b)) => {
            let kind = def.map(|d| d.kind);
            if kind == Some(AttrType::DateTime) && !op.is_substring() {
                if let (Some(a), Some(b)) = (date_time(a), date_time(b)) {
                    return ordering_matches(op, a.cmp(&b));
                }
            }
            if def.is_some_and(|d| d.case_exact) {
                string_matches(a, op, b)
            } else {
                string_matches(&a.to_lowercase(), op, &b.to_lowercase())
            }
        }
        _ => false,
    }
}

fn string_matches(a: &str, op: CompareOp, b: &str) -> bool {
    match op {
        CompareOp::Co => a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        _ => ordering_matches(op, a.cmp(b)),
    }
}

fn ordering_matches(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn number_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

fn date_time(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

#[cfg(test)]
#[path = "filter_tests.rs"]
pub(crate) mod tests;

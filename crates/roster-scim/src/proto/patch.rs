//! The PATCH engine (RFC 7644 §3.5.2) with the leniencies Okta and Entra need: any-case op
//! names, path-less values with dotted or URN-qualified keys, "True"/"False" booleans, value
//! paths that create the element they name, Entra's member removal by value list, and
//! read-only attributes ignored inside path-less values. Requests apply atomically.
//!
//! Group memberships are rows in storage, not JSON, so [`plan_group_patch`] splits a Group
//! PATCH into member changes and the rest.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{self, CompValue, CompareOp, Filter};
use super::json::{bool_from_str, get_ci, remove_ci, set_ci, take_object};
use super::path::{AttrPath, PatchPath};
use super::schema::{starts_with_urn, AttrType, AttributeDef, ResourceSchema, Returned};
use super::PATCH_OP_URN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

impl PatchOpKind {
    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "add" => Some(Self::Add),
            "replace" => Some(Self::Replace),
            "remove" => Some(Self::Remove),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Replace => "replace",
            Self::Remove => "remove",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    pub path: Option<String>,
    pub value: Option<Value>,
}

/// A PatchOp message. `Operations` may be empty (Entra's validator sends that): no change.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(try_from = "Value")]
pub struct PatchRequest {
    pub operations: Vec<PatchOperation>,
}

impl TryFrom<Value> for PatchRequest {
    type Error = ScimError;

    fn try_from(body: Value) -> Result<Self, ScimError> {
        Self::from_json(body)
    }
}

impl PatchRequest {
    /// Parses a request body; malformed JSON or shape is 400 invalidSyntax.
    pub fn from_slice(body: &[u8]) -> Result<Self, ScimError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
        Self::from_json(value)
    }

    /// Reads a PatchOp message; key names in any case.
    pub fn from_json(body: Value) -> Result<Self, ScimError> {
        if !body.is_object() {
            return Err(ScimError::invalid_syntax(
                "a PATCH body must be a JSON object",
            ));
        }
        let has_schema = get_ci(&body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_URN))
                })
            });
        if !has_schema {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" must contain \"{PATCH_OP_URN}\""
            )));
        }
        let ops = match get_ci(&body, "Operations") {
            Some(Value::Array(ops)) => ops,
            None | Some(Value::Null) => {
                return Err(ScimError::invalid_syntax("\"Operations\" is missing"))
            }
            Some(_) => return Err(ScimError::invalid_syntax("\"Operations\" must be an array")),
        };
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| operation(i, op))
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }

    /// The request as a PatchOp message.
    pub fn to_json(&self) -> Value {
        let ops: Vec<Value> = self
            .operations
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("op".into(), o.op.as_str().into());
                if let Some(p) = &o.path {
                    m.insert("path".into(), p.clone().into());
                }
                if let Some(v) = &o.value {
                    m.insert("value".into(), v.clone());
                }
                Value::Object(m)
            })
            .collect();
        serde_json::json!({ "schemas": [PATCH_OP_URN], "Operations": ops })
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

fn operation(i: usize, op: &Value) -> Result<PatchOperation, ScimError> {
    let n = i + 1;
    if !op.is_object() {
        return Err(ScimError::invalid_syntax(format!(
            "operation {n} is not an object"
        )));
    }
    let name = get_ci(op, "op").and_then(Value::as_str).unwrap_or("");
    let kind = PatchOpKind::parse(name).ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "operation {n}: \"op\" is \"{name}\"; use add, replace or remove"
        ))
    })?;
    let path = match get_ci(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(p.trim().to_owned()),
        Some(_) => {
            return Err(ScimError::invalid_syntax(format!(
                "operation {n}: \"path\" must be a string"
            )))
        }
    };
    Ok(PatchOperation {
        op: kind,
        path,
        value: get_ci(op, "value").cloned(),
    })
}

/// Applies every operation to `resource`, or none: the resource is unchanged on error.
pub fn apply(
    resource: &mut Value,
    request: &PatchRequest,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let Value::Object(original) = resource else {
        return Err(ScimError::invalid_syntax(
            "the resource is not a JSON object",
        ));
    };
    let mut work = original.clone();
    for (i, op) in request.operations.iter().enumerate() {
        apply_op(&mut work, op, schema).map_err(|mut e| {
            e.detail = format!("operation {}: {}", i + 1, e.detail);
            e
        })?;
    }
    *original = work;
    Ok(())
}

/// Targets named by a client path fail loudly; keys inside a path-less value that name
/// read-only or unknown attributes are skipped (Okta sends `id` when renaming a group).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Strict,
    Lenient,
}

fn apply_op(
    obj: &mut Map<String, Value>,
    op: &PatchOperation,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let Some(raw_path) = &op.path else {
        return match op.op {
            PatchOpKind::Remove => Err(ScimError::no_target("remove needs a \"path\"")),
            kind => match &op.value {
                Some(Value::Object(values)) => merge_values(obj, kind, values, schema),
                _ => Err(ScimError::invalid_value(format!(
                    "{} without a \"path\" needs an object \"value\"",
                    kind.as_str()
                ))),
            },
        };
    };
    if let Some(ext) = schema.extension_by_urn(raw_path) {
        return match op.op {
            PatchOpKind::Remove => {
                remove_ci(obj, ext.id);
                Ok(())
            }
            kind => match &op.value {
                Some(Value::Object(values)) => {
                    for (k, v) in values {
                        apply_key(obj, kind, &format!("{}:{k}", ext.id), v, schema)?;
                    }
                    Ok(())
                }
                _ => Err(ScimError::invalid_value(format!(
                    "the value for \"{}\" must be an object",
                    ext.id
                ))),
            },
        };
    }
    let path = PatchPath::parse(raw_path)?;
    apply_path(obj, op.op, &path, op.value.as_ref(), schema, Mode::Strict)
}

/// A path-less add or replace: each key of the value is applied as if it were a path.
fn merge_values(
    obj: &mut Map<String, Value>,
    kind: PatchOpKind,
    values: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    for (key, value) in values {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(ext) = schema.extension_by_urn(key) {
            let Value::Object(inner) = value else {
                return Err(ScimError::invalid_value(format!(
                    "the value for \"{}\" must be an object",
                    ext.id
                )));
            };
            for (k, v) in inner {
                apply_key(obj, kind, &format!("{}:{k}", ext.id), v, schema)?;
            }
            continue;
        }
        let names_attribute = AttrPath::parse(key)
            .ok()
            .and_then(|p| p.resolve_in(schema))
            .is_some();
        if starts_with_urn(key) && !names_attribute {
            if let Value::Object(inner) = value {
                merge_unknown_extension(obj, key, inner);
                continue;
            }
        }
        apply_key(obj, kind, key, value, schema)?;
    }
    Ok(())
}

fn merge_unknown_extension(obj: &mut Map<String, Value>, urn: &str, values: &Map<String, Value>) {
    let mut ext = take_object(obj, urn);
    for (k, v) in values {
        if v.is_null() {
            remove_ci(&mut ext, k);
        } else {
            set_ci(&mut ext, k, v.clone());
        }
    }
    if !ext.is_empty() {
        obj.insert(urn.to_owned(), Value::Object(ext));
    }
}

fn apply_key(
    obj: &mut Map<String, Value>,
    kind: PatchOpKind,
    key: &str,
    value: &Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    match PatchPath::parse(key) {
        Ok(path) => apply_path(obj, kind, &path, Some(value), schema, Mode::Lenient),
        Err(_) => Ok(()),
    }
}

fn apply_path(
    obj: &mut Map<String, Value>,
    kind: PatchOpKind,
    path: &PatchPath,
    value: Option<&Value>,
    schema: &ResourceSchema,
    mode: Mode,
) -> Result<(), ScimError> {
    let resolved = path.attr.resolve_in(schema);
    let unknown_extension = path
        .attr
        .urn
        .as_deref()
        .is_some_and(|u| schema.schema_by_urn(u).is_none() && !is_known_urn(u));
    if resolved.is_none() && !unknown_extension {
        return match mode {
            Mode::Lenient => Ok(()),
            Mode::Strict => Err(ScimError::invalid_path(format!(
                "\"{}\" is not an attribute of {}",
                path.attr, schema.name
            ))),
        };
    }
    let def = resolved.map(|r| r.attribute);
    let target = def.map(|d| match path.sub_attribute() {
        Some(s) => d.sub_attribute(s).unwrap_or(d),
        None => d,
    });
    if let Some(t) = target {
        if t.returned == Returned::Never {
            return Ok(());
        }
        if t.is_read_only() || def.is_some_and(AttributeDef::is_read_only) {
            return match mode {
                Mode::Lenient => Ok(()),
                Mode::Strict => Err(ScimError::mutability(format!("\"{path}\" is read-only"))),
            };
        }
    }
    let name = path.attr.name.as_str();
    let urn = path.attr.urn.as_deref();
    with_container(obj, urn, |m| match (kind, value) {
        (PatchOpKind::Remove, listed) => remove(m, name, path, def, listed),
        (_, None) => Err(ScimError::invalid_value(format!(
            "{} of \"{path}\" needs a \"value\"",
            kind.as_str()
        ))),
        (_, Some(Value::Null)) => remove(m, name, path, def, None),
        (kind, Some(v)) => set(m, kind, name, path, def, v),
    })
}

fn is_known_urn(urn: &str) -> bool {
    super::schema::ALL_SCHEMAS
        .iter()
        .any(|s| s.id.eq_ignore_ascii_case(urn))
}

/// Runs `f` on the object holding the attribute: the resource, or its extension object.
fn with_container(
    obj: &mut Map<String, Value>,
    urn: Option<&str>,
    f: impl FnOnce(&mut Map<String, Value>) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    let Some(urn) = urn else { return f(obj) };
    let mut ext = take_object(obj, urn);
    let r = f(&mut ext);
    if !ext.is_empty() {
        obj.insert(urn.to_owned(), Value::Object(ext));
    }
    r
}

fn remove(
    m: &mut Map<String, Value>,
    name: &str,
    path: &PatchPath,
    def: Option<&'static AttributeDef>,
    listed: Option<&Value>,
) -> Result<(), ScimError> {
    let sub = path.sub_attribute();
    if let Some(filter) = &path.filter {
        let mut items = take_items(m, name);
        match sub {
            Some(sub) => items
                .iter_mut()
                .filter(|e| filter::element_matches(filter, e, def))
                .filter_map(Value::as_object_mut)
                .for_each(|e| {
                    remove_ci(e, sub);
                }),
            None => items.retain(|e| !filter::element_matches(filter, e, def)),
        }
        put_items(m, name, items);
        return Ok(());
    }
    if let Some(sub) = sub {
        match remove_ci(m, name) {
            Some(Value::Array(mut items)) => {
                items
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(|e| {
                        remove_ci(e, sub);
                    });
                put_items(m, name, items);
            }
            Some(Value::Object(mut o)) => {
                remove_ci(&mut o, sub);
                if !o.is_empty() {
                    m.insert(name.to_owned(), Value::Object(o));
                }
            }
            _ => {}
        }
        return Ok(());
    }
    if def.is_some_and(|d| d.required) {
        return Err(ScimError::mutability(format!("\"{path}\" is required")));
    }
    // Entra removes members with `"path":"members","value":[{"value":"id"}]`: only those go.
    if let (Some(Value::Array(listed)), true) = (listed, def.is_some_and(|d| d.multi_valued)) {
        let mut items = take_items(m, name);
        items.retain(|e| !listed.iter().any(|l| same_element(e, l)));
        put_items(m, name, items);
        return Ok(());
    }
    remove_ci(m, name);
    Ok(())
}

fn set(
    m: &mut Map<String, Value>,
    kind: PatchOpKind,
    name: &str,
    path: &PatchPath,
    def: Option<&'static AttributeDef>,
    value: &Value,
) -> Result<(), ScimError> {
    if let Some(filter) = &path.filter {
        return set_filtered(m, name, path, filter, def, value);
    }
    if let Some(sub) = path.attr.sub.as_deref() {
        let sub_def = def.and_then(|d| d.sub_attribute(sub));
        let value = coerce(value.clone(), sub_def);
        match remove_ci(m, name) {
            Some(Value::Array(mut items)) if !items.is_empty() => {
                for e in items.iter_mut().filter_map(Value::as_object_mut) {
                    set_ci(e, sub, value.clone());
                }
                m.insert(name.to_owned(), Value::Array(items));
            }
            Some(Value::Object(mut o)) => {
                set_ci(&mut o, sub, value);
                m.insert(name.to_owned(), Value::Object(o));
            }
            _ => {
                let element = Value::Object(Map::from_iter([(sub.to_owned(), value)]));
                let multi = def.is_some_and(|d| d.multi_valued);
                m.insert(
                    name.to_owned(),
                    if multi {
                        Value::Array(vec![element])
                    } else {
                        element
                    },
                );
            }
        }
        return Ok(());
    }
    let multi = def.map_or(value.is_array(), |d| d.multi_valued);
    if multi {
        let new_items: Vec<Value> = match value {
            Value::Array(a) => a.iter().map(|v| coerce_element(v.clone(), def)).collect(),
            other => vec![coerce_element(other.clone(), def)],
        };
        let mut items = if kind == PatchOpKind::Replace {
            Vec::new()
        } else {
            take_items(m, name)
        };
        for item in new_items {
            let at = match items.iter().position(|e| same_element(e, &item)) {
                Some(i) => {
                    if let (Some(Value::Object(e)), Value::Object(new)) = (items.get_mut(i), &item)
                    {
                        merge_object(e, new);
                    }
                    i
                }
                None => {
                    items.push(item);
                    items.len() - 1
                }
            };
            keep_single_primary(&mut items, at);
        }
        put_items(m, name, items);
        return Ok(());
    }
    let complex = def.is_some_and(|d| d.kind == AttrType::Complex)
        || (def.is_none() && kind == PatchOpKind::Add);
    let value = coerce(value.clone(), def);
    match (remove_ci(m, name), value) {
        (Some(Value::Object(mut existing)), Value::Object(new)) if complex => {
            merge_object(&mut existing, &new);
            m.insert(name.to_owned(), Value::Object(existing));
        }
        (_, value) => {
            m.insert(name.to_owned(), value);
        }
    }
    Ok(())
}

/// Add or replace at `attr[filter]` or `attr[filter].sub`. When nothing matches, the element
/// the filter describes is created (what Entra expects; RFC 7644 says noTarget), so several
/// adds with the same filter land in one element.
fn set_filtered(
    m: &mut Map<String, Value>,
    name: &str,
    path: &PatchPath,
    filter: &Filter,
    def: Option<&'static AttributeDef>,
    value: &Value,
) -> Result<(), ScimError> {
    let mut items = take_items(m, name);
    let sub = path.sub.as_deref();
    let value = match sub {
        Some(s) => coerce(value.clone(), def.and_then(|d| d.sub_attribute(s))),
        None => coerce_element(value.clone(), def),
    };
    let update = |e: &mut Map<String, Value>| -> Result<(), ScimError> {
        match (sub, &value) {
            (Some(s), v) => set_ci(e, s, v.clone()),
            (None, Value::Object(new)) => merge_object(e, new),
            (None, _) => {
                return Err(ScimError::invalid_value(format!(
                    "the value for \"{path}\" must be an object"
                )))
            }
        }
        Ok(())
    };
    let mut matched = false;
    let mut last = 0;
    for (i, e) in items.iter_mut().enumerate() {
        if filter::element_matches(filter, e, def) {
            if let Value::Object(e) = e {
                update(e)?;
                matched = true;
                last = i;
            }
        }
    }
    if !matched {
        let Some(mut element) = described_element(filter) else {
            return Err(ScimError::no_target(format!(
                "no value matches \"{path}\" and its filter does not describe a new one"
            )));
        };
        update(&mut element)?;
        items.push(coerce_element(Value::Object(element), def));
        last = items.len() - 1;
    }
    keep_single_primary(&mut items, last);
    put_items(m, name, items);
    Ok(())
}

/// The element `a eq x and b eq y` describes, for filters made only of `eq` and `and`.
fn described_element(filter: &Filter) -> Option<Map<String, Value>> {
    fn walk(f: &Filter, out: &mut Map<String, Value>) -> bool {
        match f {
            Filter::And(l, r) => walk(l, out) && walk(r, out),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if path.sub.is_none() && *value != CompValue::Null => {
                out.insert(path.name.clone(), value.to_json());
                true
            }
            _ => false,
        }
    }
    let mut out = Map::new();
    walk(filter, &mut out).then_some(out)
}

fn take_items(m: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match remove_ci(m, name) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(other) => vec![other],
    }
}

fn put_items(m: &mut Map<String, Value>, name: &str, items: Vec<Value>) {
    if !items.is_empty() {
        m.insert(name.to_owned(), Value::Array(items));
    }
}

/// Elements are the same when equal, or when both carry the same `value` (and `type`).
fn same_element(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    match (get_ci(a, "value"), get_ci(b, "value")) {
        (Some(x), Some(y)) if x == y => {
            let (ta, tb) = (get_ci(a, "type"), get_ci(b, "type"));
            ta.is_none() || tb.is_none() || ta == tb
        }
        _ => false,
    }
}

/// At most one element may be primary (RFC 7643 §2.4); the one just written wins.
fn keep_single_primary(items: &mut [Value], winner: usize) {
    let wins = items
        .get(winner)
        .and_then(|w| get_ci(w, "primary"))
        .is_some_and(|p| p == &Value::Bool(true));
    if !wins {
        return;
    }
    for (i, e) in items.iter_mut().enumerate() {
        if i != winner {
            if let Some(e) = e.as_object_mut() {
                if e.get("primary") == Some(&Value::Bool(true)) {
                    e.insert("primary".into(), Value::Bool(false));
                }
            }
        }
    }
}

fn merge_object(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        if v.is_null() {
            remove_ci(into, k);
        } else {
            set_ci(into, k, v.clone());
        }
    }
}

/// Coerces a value to its definition: "True"/"False" strings to booleans, sub-attribute names
/// to their canonical spelling, throughout complex and multi-valued values.
pub(crate) fn coerce(value: Value, def: Option<&AttributeDef>) -> Value {
    let Some(d) = def else { return value };
    match value {
        Value::Array(items) if d.multi_valued => {
            Value::Array(items.into_iter().map(|v| coerce_element(v, def)).collect())
        }
        other => coerce_element(other, def),
    }
}

/// Coerces one value (an element, for multi-valued attributes).
pub(crate) fn coerce_element(value: Value, def: Option<&AttributeDef>) -> Value {
    let Some(d) = def else { return value };
    match (d.kind, value) {
        (AttrType::Boolean, Value::String(s)) => match bool_from_str(&s) {
            Some(b) => Value::Bool(b),
            None => Value::String(s),
        },
        (AttrType::Complex, Value::Object(o)) => Value::Object(
            o.into_iter()
                .map(|(k, v)| match d.sub_attribute(&k) {
                    Some(s) => (s.name.to_owned(), coerce(v, Some(s))),
                    None => (k, v),
                })
                .collect(),
        ),
        (_, v) => v,
    }
}

/// A change to a group's membership, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    Add(Vec<String>),
    Remove(Vec<String>),
    RemoveAll,
    Replace(Vec<String>),
}

/// A Group PATCH split into membership changes and the remaining operations.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPatchPlan {
    pub member_changes: Vec<MemberChange>,
    /// Everything else, to [`apply`] to the group's JSON.
    pub other: PatchRequest,
}

/// Splits the membership operations out of a Group PATCH, covering Okta's and Entra's shapes.
pub fn plan_group_patch(request: &PatchRequest) -> Result<GroupPatchPlan, ScimError> {
    let mut plan = GroupPatchPlan {
        member_changes: Vec::new(),
        other: PatchRequest::default(),
    };
    for (i, op) in request.operations.iter().enumerate() {
        plan_op(op, &mut plan).map_err(|mut e| {
            e.detail = format!("operation {}: {}", i + 1, e.detail);
            e
        })?;
    }
    Ok(plan)
}

fn plan_op(op: &PatchOperation, plan: &mut GroupPatchPlan) -> Result<(), ScimError> {
    let Some(raw) = &op.path else {
        if op.op == PatchOpKind::Remove {
            return Err(ScimError::no_target("remove needs a \"path\""));
        }
        let Some(Value::Object(values)) = &op.value else {
            plan.other.operations.push(op.clone());
            return Ok(());
        };
        let mut rest = values.clone();
        let member_keys: Vec<String> = values
            .keys()
            .filter(|k| is_members(&AttrPath::parse(k).ok()))
            .cloned()
            .collect();
        for k in member_keys {
            if let Some(v) = rest.remove(&k) {
                let ids = member_ids(&v)?;
                plan.member_changes.push(match op.op {
                    PatchOpKind::Replace => MemberChange::Replace(ids),
                    _ => MemberChange::Add(ids),
                });
            }
        }
        if !rest.is_empty() {
            plan.other.operations.push(PatchOperation {
                op: op.op,
                path: None,
                value: Some(Value::Object(rest)),
            });
        }
        return Ok(());
    };
    let Ok(path) = PatchPath::parse(raw) else {
        plan.other.operations.push(op.clone());
        return Ok(());
    };
    if !is_members(&Some(path.attr.parent())) {
        plan.other.operations.push(op.clone());
        return Ok(());
    }
    if path.sub_attribute().is_some() {
        return Err(ScimError::invalid_path(format!(
            "\"{raw}\": change members as a whole, not their sub-attributes"
        )));
    }
    let change = match (op.op, &path.filter) {
        (PatchOpKind::Remove, Some(filter)) => MemberChange::Remove(filtered_ids(filter)?),
        (PatchOpKind::Remove, None) => match &op.value {
            Some(v @ (Value::Array(_) | Value::Object(_))) if !is_empty_list(v) => {
                MemberChange::Remove(member_ids(v)?)
            }
            _ => MemberChange::RemoveAll,
        },
        (_, Some(_)) => {
            return Err(ScimError::invalid_path(format!(
                "\"{raw}\": add or replace members with the path \"members\""
            )))
        }
        (PatchOpKind::Add, None) => MemberChange::Add(member_ids(value_of(op)?)?),
        (PatchOpKind::Replace, None) => MemberChange::Replace(member_ids(value_of(op)?)?),
    };
    plan.member_changes.push(change);
    Ok(())
}

fn is_members(path: &Option<AttrPath>) -> bool {
    path.as_ref()
        .is_some_and(|p| p.urn.is_none() && p.sub.is_none() && p.name == "members")
}

fn is_empty_list(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

fn value_of(op: &PatchOperation) -> Result<&Value, ScimError> {
    op.value.as_ref().ok_or_else(|| {
        ScimError::invalid_value(format!("{} of members needs a \"value\"", op.op.as_str()))
    })
}

/// Member ids from `[{"value":"id",…},…]`, a single such object, or bare id strings.
pub(crate) fn member_ids(value: &Value) -> Result<Vec<String>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(id) => Ok(id.clone()),
            Value::Object(_) => get_ci(item, "value")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| {
                    ScimError::invalid_value("each member needs a string \"value\" (the member id)")
                }),
            _ => Err(ScimError::invalid_value(
                "members must be objects with a \"value\" (the member id)",
            )),
        })
        .collect()
}

/// The ids of `members[value eq "a"]` or `members[value eq "a" or value eq "b"]`.
fn filtered_ids(filter: &Filter) -> Result<Vec<String>, ScimError> {
    fn walk(f: &Filter, out: &mut Vec<String>) -> bool {
        match f {
            Filter::Or(l, r) => walk(l, out) && walk(r, out),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: CompValue::String(id),
            } if path.name == "value" => {
                out.push(id.clone());
                true
            }
            _ => false,
        }
    }
    let mut ids = Vec::new();
    if walk(filter, &mut ids) {
        Ok(ids)
    } else {
        Err(ScimError::invalid_path(format!(
            "members can be selected only by value, as in members[value eq \"id\"]; got [{filter}]"
        )))
    }
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;

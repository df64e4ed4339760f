//! Reading Google request bodies the way Google's JSON front end does: field names in
//! lowerCamelCase or their proto snake_case, an unknown name is a 400 ("Unknown name …:
//! Cannot find field."), and int64 fields arrive as strings or numbers.

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value};

use super::errors::GoogleError;
use super::Product;

pub type Object = Map<String, Value>;

/// The body as a JSON object (an empty body is `{}`).
pub fn object(product: Product, body: &[u8]) -> Result<Object, GoogleError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Object::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(GoogleError::invalid(
            product,
            "Invalid JSON payload received. Expected an object.",
        )),
        Err(e) => Err(GoogleError::invalid(
            product,
            format!("Invalid JSON payload received. {e}"),
        )),
    }
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Rejects names outside `known` (given in camelCase; snake_case is accepted too) and
/// returns the object with every key in camelCase.
pub fn fields(product: Product, obj: &Object, known: &[&str], path: &str) -> Result<Object, GoogleError> {
    let mut out = Object::new();
    for (name, value) in obj {
        let Some(camel) = known.iter().find(|k| *k == name || snake(k) == *name) else {
            let at = if path.is_empty() {
                String::new()
            } else {
                format!(" at '{path}'")
            };
            return Err(GoogleError::invalid(
                product,
                format!("Invalid JSON payload received. Unknown name \"{name}\"{at}: Cannot find field."),
            ));
        };
        out.insert(camel.to_string(), value.clone());
    }
    Ok(out)
}

/// An integer field sent as a number or a decimal string (proto3 JSON accepts both).
pub fn int(product: Product, obj: &Object, name: &str) -> Result<Option<i64>, GoogleError> {
    let bad = || {
        GoogleError::invalid(
            product,
            format!(
                "Invalid value at '{name}', \"{}\"",
                obj.get(name).cloned().unwrap_or_default()
            ),
        )
    };
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

pub fn boolean(product: Product, obj: &Object, name: &str) -> Result<bool, GoogleError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(GoogleError::invalid(
            product,
            format!("Invalid value at '{name}' (TYPE_BOOL), {v}"),
        )),
    }
}

pub fn string<'a>(obj: &'a Object, name: &str) -> Option<&'a str> {
    obj.get(name).and_then(Value::as_str)
}

/// The objects of an array field (absent = empty).
pub fn list<'a>(product: Product, obj: &'a Object, name: &str) -> Result<Vec<&'a Object>, GoogleError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_object().ok_or_else(|| {
                    GoogleError::invalid(product, format!("Invalid value at '{name}': expected objects"))
                })
            })
            .collect(),
        Some(_) => Err(GoogleError::invalid(
            product,
            format!("Invalid value at '{name}': expected a list"),
        )),
    }
}

pub fn iso_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// GA4's date forms, relative to `today` in the property's zone: `YYYY-MM-DD`, `today`,
/// `yesterday`, `NdaysAgo`.
pub fn ga4_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    match s {
        "today" => Some(today),
        "yesterday" => Some(today - Duration::days(1)),
        _ => match s.strip_suffix("daysAgo") {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                Some(today - Duration::days(n.parse::<i64>().ok()?.min(100_000)))
            }
            _ => iso_date(s),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dates() {
        let obj: Object = serde_json::from_str(r#"{"date_ranges": [], "limit": "5"}"#).unwrap();
        let out = fields(Product::Ga4, &obj, &["dateRanges", "limit"], "").unwrap();
        assert!(out.contains_key("dateRanges"));
        assert_eq!(int(Product::Ga4, &out, "limit").unwrap(), Some(5));
        assert!(fields(Product::Ga4, &obj, &["limit"], "").is_err());
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(ga4_date("7daysAgo", today).unwrap().to_string(), "2026-11-13");
        assert_eq!(ga4_date("yesterday", today).unwrap().to_string(), "2026-11-19");
        assert_eq!(ga4_date("2026-01-02", today).unwrap().to_string(), "2026-01-02");
        assert!(ga4_date("2026-1-2", today).is_none());
        assert!(ga4_date("daysAgo", today).is_none());
    }
}

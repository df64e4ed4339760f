//! A Graph call's parameters, wherever the client put them: the query string, then a form or
//! JSON body (Meta's SDKs POST form fields; JSON bodies work too). A later value wins. JSON
//! values that are not strings keep their JSON text (`time_range` as an object), except a
//! `fields` list, which Graph reads as the comma-separated names.

use serde_json::Value;

#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn collect(query: Option<&str>, content_type: Option<&str>, body: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let json = content_type.is_some_and(|t| t.starts_with("application/json"));
        if json {
            if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) {
                for (k, v) in obj {
                    let text = match (&v, k.as_str()) {
                        (Value::String(s), _) => s.clone(),
                        (Value::Array(items), "fields") => items
                            .iter()
                            .map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string()))
                            .collect::<Vec<_>>()
                            .join(","),
                        _ => v.to_string(),
                    };
                    pairs.push((k, text));
                }
            }
        } else if !body.is_empty() {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        Params(pairs)
    }

    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `time_range`'s since and until as given, when it parses; for the request log.
    pub fn time_range(&self) -> (Option<String>, Option<String>) {
        let Some(Value::Object(range)) = self.get("time_range").and_then(|t| serde_json::from_str(t).ok())
        else {
            return (None, None);
        };
        let text = |k: &str| range.get(k).and_then(Value::as_str).map(str::to_string);
        (text("since"), text("until"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_form_and_json() {
        let p = Params::collect(
            Some("fields=spend&time_range=%7B%22since%22%3A%222026-01-01%22%2C%22until%22%3A%222026-01-02%22%7D"),
            None,
            b"",
        );
        assert_eq!(p.get("fields"), Some("spend"));
        assert_eq!(
            p.time_range(),
            (Some("2026-01-01".into()), Some("2026-01-02".into()))
        );
        let p = Params::collect(
            Some("level=campaign"),
            Some("application/x-www-form-urlencoded"),
            b"fields=spend%2Creach&level=account",
        );
        assert_eq!(
            (p.get("fields"), p.get("level")),
            (Some("spend,reach"), Some("account"))
        );
        let p = Params::collect(
            None,
            Some("application/json"),
            br#"{"fields":["spend","clicks"],"time_range":{"since":"2026-01-01","until":"2026-01-03"},"limit":50}"#,
        );
        assert_eq!(p.get("fields"), Some("spend,clicks"));
        assert_eq!(p.get("limit"), Some("50"));
        assert_eq!(p.time_range().1.as_deref(), Some("2026-01-03"));
    }
}

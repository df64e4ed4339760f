//! Raw query-string access. Axum's map extractor drops repeated keys, and
//! Stripe's `types[]=a&types[]=b` and GitHub's Link rebuilding need all pairs in order.

#[derive(Clone, Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        Query(pairs)
    }

    /// The last value for `key`, as most servers resolve duplicates.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values whose key is `base` or `base[…]` (`types[]`, `types[0]`).
    pub fn all_bracketed(&self, base: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.strip_prefix(base).is_some_and(|rest| rest.starts_with('[')))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The query re-encoded with `key` set to `value` (replacing or appending).
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let mut replaced = false;
        for (k, v) in &self.0 {
            if k == key {
                if !replaced {
                    out.append_pair(k, value);
                    replaced = true;
                }
            } else {
                out.append_pair(k, v);
            }
        }
        if !replaced {
            out.append_pair(key, value);
        }
        out.finish()
    }
}

//! A small parser for the Google Ads Query Language, enough for reporting syncs:
//!
//! ```text
//! SELECT f, … FROM resource
//!   [WHERE cond AND …]      cond: f op value | f BETWEEN a AND b | f [NOT] IN (a, …) | f DURING RANGE
//!   [ORDER BY f [ASC|DESC], …] [LIMIT n] [PARAMETERS name = value, …]
//! ```
//!
//! Keywords are case-insensitive; strings take single or double quotes. Errors carry the
//! `QueryError` enum name Google would send (`UNRECOGNIZED_FIELD`, `EXPECTED_FROM`, …).
//! Field names are checked later, against what the sim serves (`ads.rs`).

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Num(String),
    /// An enum constant, TRUE/FALSE or a DURING range such as LAST_30_DAYS.
    Word(String),
}

impl Lit {
    pub fn text(&self) -> &str {
        match self {
            Lit::Str(s) | Lit::Num(s) | Lit::Word(s) => s,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Between,
    In,
    NotIn,
    During,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    pub field: String,
    pub op: Op,
    pub values: Vec<Lit>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub select: Vec<String>,
    pub from: String,
    pub conds: Vec<Cond>,
    /// Accepted and checked, not applied: the sim always answers by date, then id.
    pub order_by: Vec<String>,
    pub limit: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> QueryError {
    QueryError {
        code,
        message: message.into(),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Sym(&'static str),
}

fn tokenize(q: &str) -> Result<Vec<Tok>, QueryError> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(err("STRING_NOT_TERMINATED", "A string is not terminated.")),
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some(&e) => s.push(e),
                            None => return Err(err("BAD_ESCAPE_SEQUENCE", "Bad escape sequence.")),
                        }
                        i += 2;
                    }
                    Some(&e) if e == c => {
                        i += 1;
                        break;
                    }
                    Some('\n') => {
                        return Err(err(
                            "PROHIBITED_NEWLINE_IN_STRING",
                            "Newline in a string literal.",
                        ))
                    }
                    Some(&e) => {
                        s.push(e);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(|d| d.is_ascii_digit() || *d == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '.')
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym = match (two.as_str(), c) {
                ("!=", _) => "!=",
                (">=", _) => ">=",
                ("<=", _) => "<=",
                (_, '=') => "=",
                (_, '>') => ">",
                (_, '<') => "<",
                (_, ',') => ",",
                (_, '(') => "(",
                (_, ')') => ")",
                _ => {
                    return Err(err(
                        "BAD_SYMBOL",
                        format!("Unexpected symbol '{c}' in the query."),
                    ))
                }
            };
            i += sym.len();
            out.push(Tok::Sym(sym));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn keyword(&mut self, kw: &str) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn sym(&mut self, s: &'static str) -> bool {
        if self.peek() == Some(&Tok::Sym(s)) {
            self.at += 1;
            return true;
        }
        false
    }

    fn field(&mut self) -> Result<String, QueryError> {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Word(w)) if w.contains('.') => {
                self.at += 1;
                Ok(w)
            }
            Some(Tok::Word(w)) => Err(err("BAD_FIELD_NAME", format!("Invalid field name: '{w}'."))),
            None => Err(err("UNEXPECTED_END_OF_QUERY", "Unexpected end of query.")),
            Some(t) => Err(err(
                "UNEXPECTED_INPUT",
                format!("Expected a field name, got {t:?}."),
            )),
        }
    }

    fn value(&mut self) -> Result<Lit, QueryError> {
        let lit = match self.toks.get(self.at).cloned() {
            Some(Tok::Str(s)) => Lit::Str(s),
            Some(Tok::Num(n)) => Lit::Num(n),
            Some(Tok::Word(w)) if !w.contains('.') => Lit::Word(w.to_ascii_uppercase()),
            None => return Err(err("UNEXPECTED_END_OF_QUERY", "Unexpected end of query.")),
            Some(_) => return Err(err("BAD_VALUE", "Expected a value.")),
        };
        self.at += 1;
        Ok(lit)
    }

    fn cond(&mut self) -> Result<Cond, QueryError> {
        let field = self.field()?;
        let (op, values) = match self.toks.get(self.at).cloned() {
            Some(Tok::Sym(s)) => {
                self.at += 1;
                let op = match s {
                    "=" => Op::Eq,
                    "!=" => Op::Ne,
                    ">" => Op::Gt,
                    ">=" => Op::Ge,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    _ => return Err(err("BAD_OPERATOR", format!("Bad operator '{s}'."))),
                };
                (op, vec![self.value()?])
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("BETWEEN") => {
                self.at += 1;
                let a = self.value()?;
                if !self.keyword("AND") {
                    return Err(err("EXPECTED_AND", "BETWEEN needs AND between its two values."));
                }
                (Op::Between, vec![a, self.value()?])
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("DURING") => {
                self.at += 1;
                (Op::During, vec![self.value()?])
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("IN") || w.eq_ignore_ascii_case("NOT") => {
                self.at += 1;
                let op = if w.eq_ignore_ascii_case("NOT") {
                    if !self.keyword("IN") {
                        return Err(err("BAD_OPERATOR", "NOT must be followed by IN here."));
                    }
                    Op::NotIn
                } else {
                    Op::In
                };
                if !self.sym("(") {
                    return Err(err("EXPECTED_LIST", "IN needs a parenthesised list."));
                }
                let mut values = vec![self.value()?];
                while self.sym(",") {
                    values.push(self.value()?);
                }
                if !self.sym(")") {
                    return Err(err("EXPECTED_LIST", "The list is not closed."));
                }
                (op, values)
            }
            None => return Err(err("UNEXPECTED_END_OF_QUERY", "Unexpected end of query.")),
            Some(t) => return Err(err("BAD_OPERATOR", format!("Unsupported operator {t:?}."))),
        };
        Ok(Cond { field, op, values })
    }
}

pub fn parse(query: &str) -> Result<Query, QueryError> {
    let mut p = Parser {
        toks: tokenize(query)?,
        at: 0,
    };
    if !p.keyword("SELECT") {
        return Err(err("EXPECTED_SELECT", "The query must start with SELECT."));
    }
    let mut select = vec![p.field()?];
    while p.sym(",") {
        select.push(p.field()?);
    }
    if !p.keyword("FROM") {
        return Err(err("EXPECTED_FROM", "Expected FROM after the selected fields."));
    }
    let from = match p.toks.get(p.at).cloned() {
        Some(Tok::Word(w)) if !w.contains('.') => {
            p.at += 1;
            w
        }
        _ => {
            return Err(err(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                "Expected a resource name after FROM.",
            ))
        }
    };
    let mut conds = Vec::new();
    if p.keyword("WHERE") {
        conds.push(p.cond()?);
        while p.keyword("AND") {
            conds.push(p.cond()?);
        }
    }
    let mut order_by = Vec::new();
    if p.keyword("ORDER") {
        if !p.keyword("BY") {
            return Err(err("EXPECTED_BY", "ORDER must be followed by BY."));
        }
        loop {
            order_by.push(p.field()?);
            let _ = p.keyword("ASC") || p.keyword("DESC");
            if !p.sym(",") {
                break;
            }
        }
    }
    let mut limit = None;
    if p.keyword("LIMIT") {
        match p.toks.get(p.at).cloned() {
            Some(Tok::Num(n)) => {
                p.at += 1;
                let n: u64 = n
                    .parse()
                    .map_err(|_| err("BAD_LIMIT_VALUE", format!("Bad LIMIT value {n}.")))?;
                if n == 0 {
                    return Err(err("LIMIT_VALUE_TOO_LOW", "LIMIT must be at least 1."));
                }
                limit = Some(n);
            }
            _ => return Err(err("BAD_LIMIT_VALUE", "LIMIT needs a number.")),
        }
    }
    if p.keyword("PARAMETERS") {
        loop {
            match (p.toks.get(p.at).cloned(), p.toks.get(p.at + 1).cloned()) {
                (Some(Tok::Word(_)), Some(Tok::Sym("="))) => p.at += 2,
                _ => return Err(err("BAD_PARAMETER_NAME", "PARAMETERS wants name = value pairs.")),
            }
            p.value()
                .map_err(|_| err("BAD_PARAMETER_VALUE", "Bad parameter value."))?;
            if !p.sym(",") {
                break;
            }
        }
    }
    if let Some(t) = p.peek() {
        return Err(err(
            "UNEXPECTED_INPUT",
            format!("Unexpected input {t:?} in the query."),
        ));
    }
    Ok(Query {
        select,
        from,
        conds,
        order_by,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_reporting_query() {
        let q = parse(
            "SELECT segments.date, campaign.id, metrics.cost_micros FROM campaign \
             WHERE segments.date BETWEEN '2026-11-01' AND \"2026-11-28\" AND campaign.status != 'REMOVED' \
             ORDER BY segments.date DESC, campaign.id LIMIT 50",
        )
        .unwrap();
        assert_eq!(q.select, ["segments.date", "campaign.id", "metrics.cost_micros"]);
        assert_eq!(q.from, "campaign");
        assert_eq!(q.conds.len(), 2);
        assert_eq!(q.conds[0].op, Op::Between);
        assert_eq!(q.conds[0].values[1], Lit::Str("2026-11-28".into()));
        assert_eq!(q.conds[1].op, Op::Ne);
        assert_eq!(q.limit, Some(50));
        let q = parse("select customer.id from customer where segments.date during LAST_7_DAYS").unwrap();
        assert_eq!(q.conds[0].values[0], Lit::Word("LAST_7_DAYS".into()));
        let q =
            parse("SELECT campaign.id FROM campaign WHERE campaign.status IN ('ENABLED', 'PAUSED')").unwrap();
        assert_eq!(q.conds[0].values.len(), 2);
    }

    #[test]
    fn errors_name_the_query_error() {
        let code = |q: &str| parse(q).unwrap_err().code;
        assert_eq!(code("campaign.id FROM campaign"), "EXPECTED_SELECT");
        assert_eq!(code("SELECT campaign.id campaign"), "EXPECTED_FROM");
        assert_eq!(
            code("SELECT campaign.id FROM campaign WHERE"),
            "UNEXPECTED_END_OF_QUERY"
        );
        assert_eq!(
            code("SELECT campaign.id FROM campaign WHERE campaign.name = 'x"),
            "STRING_NOT_TERMINATED"
        );
        assert_eq!(
            code("SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '1' '2'"),
            "EXPECTED_AND"
        );
        assert_eq!(
            code("SELECT campaign.id FROM campaign LIMIT 0"),
            "LIMIT_VALUE_TOO_LOW"
        );
        assert_eq!(code("SELECT campaign.id FROM campaign junk"), "UNEXPECTED_INPUT");
        assert_eq!(
            code("SELECT campaign.id FROM campaign WHERE campaign.id ~ 1"),
            "BAD_SYMBOL"
        );
    }
}

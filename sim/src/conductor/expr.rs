//! The small JavaScript subset the simulated Conductor evaluates where the real one runs
//! GraalJS/Nashorn: INLINE `expression`, SWITCH with `evaluatorType` `javascript`/`graaljs`,
//! and DO_WHILE `loopCondition`. `$` is the task's resolved input.
//!
//! Supported: literals (numbers, 'strings', "strings", true, false, null, undefined, arrays,
//! object literals), `$.a.b`, `$['a']`, `x[0]`, `.length`, unary `!`/`-`, `* / % + -`,
//! comparisons, `== != === !==`, `&& ||`, `?:`, parentheses, and three statement shapes
//! Conductor's docs use: a bare expression, `(function () { …; return EXPR; })()`, and
//! `if (COND) { EXPR; } else { EXPR; }`. Anything else is an error naming what was not
//! understood (the task fails with it, as a script error would).

use serde_json::{json, Map, Value};

/// Evaluate `src` with `$` bound to `input`.
pub fn eval(src: &str, input: &Value) -> Result<Value, String> {
    let toks = lex(src)?;
    let mut p = Parser { toks, pos: 0, input };
    let v = p.program()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected {:?} in script", p.toks[p.pos]));
    }
    Ok(v)
}

/// JavaScript truthiness.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// How a value prints as a SWITCH case or in string concatenation.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 27] = [
    "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "{", "}", "[", "]", ".", ",", ":", ";", "?", "!", "<",
    ">", "+", "-", "*", "/", "%",
];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Num(text.parse().map_err(|_| format!("bad number {text}"))?));
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err("unterminated string in script".into());
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
            let p =
                PUNCTS.iter().find(|p| rest.starts_with(**p)).ok_or_else(|| format!("unexpected {c:?} in script"))?;
            i += p.len();
            out.push(Tok::Punct(p));
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    input: &'a Value,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(q)) if q == w)
    }
    fn eat(&mut self, p: &str) -> bool {
        let yes = self.is(p);
        if yes {
            self.pos += 1;
        }
        yes
    }
    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.eat(p) {
            Ok(())
        } else {
            Err(format!("expected {p:?} in script, found {:?}", self.peek()))
        }
    }
    fn word(&mut self, w: &str) -> Result<(), String> {
        if self.is_word(w) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {w} in script"))
        }
    }

    /// A whole script: one of the three statement shapes.
    fn program(&mut self) -> Result<Value, String> {
        if self.is_word("if") {
            return self.if_statement();
        }
        if self.is("(") && matches!(self.toks.get(self.pos + 1), Some(Tok::Ident(w)) if w == "function") {
            self.pos += 2;
            self.expect("(")?;
            self.expect(")")?;
            let v = self.block()?;
            self.expect(")")?;
            self.expect("(")?;
            self.expect(")")?;
            self.eat(";");
            return Ok(v);
        }
        let v = self.expr()?;
        self.eat(";");
        Ok(v)
    }

    fn if_statement(&mut self) -> Result<Value, String> {
        self.word("if")?;
        self.expect("(")?;
        let cond = self.expr()?;
        self.expect(")")?;
        let yes = self.block()?;
        let no = if self.is_word("else") {
            self.pos += 1;
            if self.is_word("if") {
                self.if_statement()?
            } else {
                self.block()?
            }
        } else {
            Value::Null
        };
        Ok(if truthy(&cond) { yes } else { no })
    }

    /// `{ stmt; …; [return] EXPR; }`: the value of the `return`, else of the last statement.
    fn block(&mut self) -> Result<Value, String> {
        self.expect("{")?;
        let mut last = Value::Null;
        while !self.is("}") {
            if self.peek().is_none() {
                return Err("unterminated block in script".into());
            }
            if self.is_word("return") {
                self.pos += 1;
            }
            last = if self.is_word("if") { self.if_statement()? } else { self.expr()? };
            self.eat(";");
        }
        self.expect("}")?;
        Ok(last)
    }

    fn expr(&mut self) -> Result<Value, String> {
        let cond = self.or()?;
        if self.eat("?") {
            let a = self.expr()?;
            self.expect(":")?;
            let b = self.expr()?;
            return Ok(if truthy(&cond) { a } else { b });
        }
        Ok(cond)
    }

    fn or(&mut self) -> Result<Value, String> {
        let mut l = self.and()?;
        while self.eat("||") {
            let r = self.and()?;
            l = if truthy(&l) { l } else { r };
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<Value, String> {
        let mut l = self.equality()?;
        while self.eat("&&") {
            let r = self.equality()?;
            l = if truthy(&l) { r } else { l };
        }
        Ok(l)
    }

    fn equality(&mut self) -> Result<Value, String> {
        let mut l = self.compare()?;
        loop {
            let op = ["===", "!==", "==", "!="].into_iter().find(|p| self.is(p));
            let Some(op) = op else { return Ok(l) };
            self.pos += 1;
            let r = self.compare()?;
            let same = if op.len() == 3 {
                l == r || num(&l).zip(num(&r)).is_some_and(|(a, b)| a == b)
            } else {
                loose_eq(&l, &r)
            };
            l = Value::Bool(if op.starts_with('!') { !same } else { same });
        }
    }

    fn compare(&mut self) -> Result<Value, String> {
        let mut l = self.additive()?;
        loop {
            let op = ["<=", ">=", "<", ">"].into_iter().find(|p| self.is(p));
            let Some(op) = op else { return Ok(l) };
            self.pos += 1;
            let r = self.additive()?;
            let ord = match (&l, &r) {
                (Value::String(a), Value::String(b)) => a.partial_cmp(b),
                _ => num(&l).zip(num(&r)).and_then(|(a, b)| a.partial_cmp(&b)),
            };
            let yes = ord.is_some_and(|o| match op {
                "<" => o.is_lt(),
                "<=" => o.is_le(),
                ">" => o.is_gt(),
                _ => o.is_ge(),
            });
            l = Value::Bool(yes);
        }
    }

    fn additive(&mut self) -> Result<Value, String> {
        let mut l = self.term()?;
        loop {
            if self.eat("+") {
                let r = self.term()?;
                l = match (num(&l), num(&r), &l, &r) {
                    (_, _, Value::String(_), _) | (_, _, _, Value::String(_)) => {
                        Value::String(format!("{}{}", to_text(&l), to_text(&r)))
                    }
                    (Some(a), Some(b), _, _) => number(a + b),
                    _ => Value::String(format!("{}{}", to_text(&l), to_text(&r))),
                };
            } else if self.eat("-") {
                let r = self.term()?;
                l = arith(&l, &r, |a, b| a - b);
            } else {
                return Ok(l);
            }
        }
    }

    fn term(&mut self) -> Result<Value, String> {
        let mut l = self.unary()?;
        loop {
            let op = ["*", "/", "%"].into_iter().find(|p| self.is(p));
            let Some(op) = op else { return Ok(l) };
            self.pos += 1;
            let r = self.unary()?;
            l = match op {
                "*" => arith(&l, &r, |a, b| a * b),
                "/" => arith(&l, &r, |a, b| a / b),
                _ => arith(&l, &r, |a, b| a % b),
            };
        }
    }

    fn unary(&mut self) -> Result<Value, String> {
        if self.eat("!") {
            return Ok(Value::Bool(!truthy(&self.unary()?)));
        }
        if self.eat("-") {
            let v = self.unary()?;
            return Ok(num(&v).map_or(Value::Null, |n| number(-n)));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Value, String> {
        let mut v = self.primary()?;
        loop {
            if self.eat(".") {
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return Err("expected a name after '.' in script".into());
                };
                self.pos += 1;
                v = member(&v, &Value::String(name));
            } else if self.eat("[") {
                let k = self.expr()?;
                self.expect("]")?;
                v = member(&v, &k);
            } else {
                return Ok(v);
            }
        }
    }

    fn primary(&mut self) -> Result<Value, String> {
        let Some(t) = self.peek().cloned() else { return Err("script ends too early".into()) };
        self.pos += 1;
        match t {
            Tok::Num(n) => Ok(number(n)),
            Tok::Str(s) => Ok(Value::String(s)),
            Tok::Ident(w) => match w.as_str() {
                "$" => Ok(self.input.clone()),
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" | "undefined" => Ok(Value::Null),
                other => Err(format!("unknown name {other:?} in script (only $ is bound)")),
            },
            Tok::Punct("(") => {
                let v = self.expr()?;
                self.expect(")")?;
                Ok(v)
            }
            Tok::Punct("[") => {
                let mut items = Vec::new();
                while !self.eat("]") {
                    items.push(self.expr()?);
                    if !self.eat(",") {
                        self.expect("]")?;
                        break;
                    }
                }
                Ok(Value::Array(items))
            }
            Tok::Punct("{") => {
                let mut m = Map::new();
                while !self.eat("}") {
                    let key = match self.peek().cloned() {
                        Some(Tok::Ident(k)) | Some(Tok::Str(k)) => k,
                        other => return Err(format!("bad object key {other:?} in script")),
                    };
                    self.pos += 1;
                    self.expect(":")?;
                    m.insert(key, self.expr()?);
                    if !self.eat(",") {
                        self.expect("}")?;
                        break;
                    }
                }
                Ok(Value::Object(m))
            }
            other => Err(format!("unexpected {other:?} in script")),
        }
    }
}

fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9e15 {
        json!(f as i64)
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn arith(l: &Value, r: &Value, f: impl Fn(f64, f64) -> f64) -> Value {
    num(l).zip(num(r)).map_or(Value::Null, |(a, b)| number(f(a, b)))
}

fn loose_eq(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => l == r,
        _ => num(l).zip(num(r)).is_some_and(|(a, b)| a == b),
    }
}

fn member(v: &Value, k: &Value) -> Value {
    match (v, k) {
        (Value::Object(m), k) => m.get(&to_text(k)).cloned().unwrap_or(Value::Null),
        (Value::Array(a), Value::String(s)) if s == "length" => json!(a.len()),
        (Value::String(s), Value::String(n)) if n == "length" => json!(s.chars().count()),
        (Value::Array(a), k) => num(k).and_then(|i| a.get(i as usize).cloned()).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shapes_conductor_docs_use_evaluate() {
        let input = json!({ "check": { "decision": "pending", "n": 2 }, "items": [1, 2, 3], "health": "Healthy" });
        assert_eq!(eval("$.check['decision'] == 'pending'", &input), Ok(json!(true)));
        assert_eq!(eval("if ($.check.n > 1) { false; } else { true; }", &input), Ok(json!(false)));
        assert_eq!(
            eval("(function(){ return { healthy: $.health === 'Healthy', n: $.items.length + 1 }; })()", &input),
            Ok(json!({ "healthy": true, "n": 4 }))
        );
        assert_eq!(eval("$.missing == null && !$.missing", &input), Ok(json!(true)));
        assert_eq!(eval("$.check.n * 10 / 4 - 1", &input), Ok(json!(4)));
        assert_eq!(eval("'v' + $.check.n", &input), Ok(json!("v2")));
        assert_eq!(eval("$.check.n >= 2 ? 'big' : 'small'", &input), Ok(json!("big")));
        assert_eq!(eval("$.items[1]", &input), Ok(json!(2)));
    }

    #[test]
    fn what_it_does_not_understand_is_an_error_not_a_guess() {
        let e = eval("Math.max(1, 2)", &json!({})).unwrap_err();
        assert!(e.contains("Math"), "{e}");
        assert!(eval("$.a ==", &json!({})).is_err());
        assert!(eval("'open", &json!({})).is_err());
    }
}

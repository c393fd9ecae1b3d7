//! The function registry: Go's builtins, the sprig subset, Helm's `include`
//! and the Kubernetes lookups. Each entry carries its Go parameter types,
//! because Go converts and rejects arguments by them before the call.

mod builtin;
mod kube;
mod sprig;

use std::fmt;

use super::NodeAddresses;
use super::limits::MAX_STRING;
use super::value::Value;

/// Why a function call failed. The evaluator reports it as Go does, after
/// `error calling NAME: `.
#[derive(Debug)]
pub enum FuncError {
    /// Go's (or sprig's) own error text, or the message given to `fail`.
    Message(String),
    /// The result would be longer than the engine allows.
    TooLarge,
    /// A bound of kubevali's own (see `limits`), with its explanation.
    Limit(String),
    /// An `include` failed; the evaluator holds the error itself, so that
    /// recursion does not stack one message prefix per level.
    Nested,
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncError::Message(text) | FuncError::Limit(text) => f.write_str(text),
            FuncError::TooLarge => write!(f, "result larger than {MAX_STRING} bytes"),
            FuncError::Nested => f.write_str("error in included template"),
        }
    }
}

impl From<&str> for FuncError {
    fn from(text: &str) -> FuncError {
        FuncError::Message(text.to_owned())
    }
}

impl From<String> for FuncError {
    fn from(text: String) -> FuncError {
        FuncError::Message(text)
    }
}

pub type FuncResult = Result<Value, FuncError>;

/// A Go parameter type, as `text/template` converts arguments to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `interface{}`: anything, nil included.
    Any,
    /// `reflect.Value` (the builtins): anything, nil included.
    Reflect,
    Str,
    /// Go `int`: a literal must be an integer constant, a computed value
    /// must have type `int` exactly.
    Int,
    Bool,
}

/// What a function may reach besides its arguments.
pub trait Host {
    /// The variable's bytes, as Go's `os.Getenv` gives them.
    fn env(&self, name: &str) -> Option<Vec<u8>>;
    fn nodes(&self) -> Option<&dyn NodeAddresses>;
    /// Helm's `include`: runs a named template of the common set into a
    /// string.
    fn include(&mut self, name: &[u8], data: Value) -> Result<Vec<u8>, FuncError>;
}

pub type PureFn = fn(&[Value]) -> FuncResult;
pub type HostFn = fn(&mut dyn Host, &[Value]) -> FuncResult;

pub enum Imp {
    Pure(PureFn),
    Host(HostFn),
    /// `and`/`or` stop evaluating at the deciding operand, so the evaluator
    /// runs them itself.
    And,
    Or,
}

pub struct Func {
    pub name: &'static str,
    pub params: &'static [Param],
    pub variadic: Option<Param>,
    pub imp: Imp,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

use Param::{Any, Bool, Int, Reflect, Str};

macro_rules! func {
    ($name:literal, [$($p:expr),*], $var:expr, $imp:expr) => {
        Func { name: $name, params: &[$($p),*], variadic: $var, imp: $imp }
    };
}

/// Sorted by name for binary search.
static FUNCS: &[Func] = &[
    func!("add", [], Some(Any), Imp::Pure(sprig::add)),
    func!("add1", [Any], None, Imp::Pure(sprig::add1)),
    func!("and", [Reflect], Some(Reflect), Imp::And),
    func!("atoi", [Str], None, Imp::Pure(sprig::atoi)),
    func!("b64dec", [Str], None, Imp::Pure(sprig::b64dec)),
    func!("b64enc", [Str], None, Imp::Pure(sprig::b64enc)),
    func!("cat", [], Some(Any), Imp::Pure(sprig::cat)),
    func!("coalesce", [], Some(Any), Imp::Pure(sprig::coalesce)),
    func!("compact", [Any], None, Imp::Pure(sprig::compact)),
    func!("concat", [], Some(Any), Imp::Pure(sprig::concat)),
    func!("contains", [Str, Str], None, Imp::Pure(sprig::contains)),
    func!("default", [Any], Some(Any), Imp::Pure(sprig::default)),
    func!("div", [Any, Any], None, Imp::Pure(sprig::div)),
    func!("empty", [Any], None, Imp::Pure(sprig::empty)),
    func!("env", [Str], None, Imp::Host(sprig::env)),
    func!("eq", [Reflect], Some(Reflect), Imp::Pure(builtin::eq)),
    func!("fail", [Str], None, Imp::Pure(sprig::fail)),
    func!("first", [Any], None, Imp::Pure(sprig::first)),
    func!("float64", [Any], None, Imp::Pure(sprig::float64)),
    func!("ge", [Reflect, Reflect], None, Imp::Pure(builtin::ge)),
    func!(
        "getNodeIPWithIndex",
        [Any],
        None,
        Imp::Host(kube::node_ip_with_index)
    ),
    func!("getPodNodeIP", [], None, Imp::Host(kube::pod_node_ip)),
    func!("getRandomNodeIP", [], None, Imp::Host(kube::random_node_ip)),
    func!("gt", [Reflect, Reflect], None, Imp::Pure(builtin::gt)),
    func!("has", [Any, Any], None, Imp::Pure(sprig::has)),
    func!("hasPrefix", [Str, Str], None, Imp::Pure(sprig::has_prefix)),
    func!("hasSuffix", [Str, Str], None, Imp::Pure(sprig::has_suffix)),
    func!("hello", [], None, Imp::Pure(sprig::hello)),
    func!("html", [], Some(Any), Imp::Pure(builtin::html)),
    func!("include", [Str, Any], None, Imp::Host(sprig::include)),
    func!("indent", [Int, Str], None, Imp::Pure(sprig::indent)),
    func!("index", [Reflect], Some(Reflect), Imp::Pure(builtin::index)),
    func!("initial", [Any], None, Imp::Pure(sprig::initial)),
    func!("int", [Any], None, Imp::Pure(sprig::int)),
    func!("int64", [Any], None, Imp::Pure(sprig::int64)),
    func!("join", [Str, Any], None, Imp::Pure(sprig::join)),
    func!("js", [], Some(Any), Imp::Pure(builtin::js)),
    func!("last", [Any], None, Imp::Pure(sprig::last)),
    func!("le", [Reflect, Reflect], None, Imp::Pure(builtin::le)),
    func!("len", [Reflect], None, Imp::Pure(builtin::len)),
    func!("list", [], Some(Any), Imp::Pure(sprig::list)),
    func!("lower", [Str], None, Imp::Pure(sprig::lower)),
    func!("lt", [Reflect, Reflect], None, Imp::Pure(builtin::lt)),
    func!("max", [Any], Some(Any), Imp::Pure(sprig::max)),
    func!("min", [Any], Some(Any), Imp::Pure(sprig::min)),
    func!("mod", [Any, Any], None, Imp::Pure(sprig::modulo)),
    func!("mul", [Any], Some(Any), Imp::Pure(sprig::mul)),
    func!("mustFirst", [Any], None, Imp::Pure(sprig::first)),
    func!("mustHas", [Any, Any], None, Imp::Pure(sprig::has)),
    func!("mustInitial", [Any], None, Imp::Pure(sprig::initial)),
    func!("mustLast", [Any], None, Imp::Pure(sprig::last)),
    func!("mustRest", [Any], None, Imp::Pure(sprig::rest)),
    func!("mustSlice", [Any], Some(Any), Imp::Pure(sprig::slice)),
    func!("ne", [Reflect, Reflect], None, Imp::Pure(builtin::ne)),
    func!("nindent", [Int, Str], None, Imp::Pure(sprig::nindent)),
    func!("nospace", [Str], None, Imp::Pure(sprig::nospace)),
    func!("not", [Reflect], None, Imp::Pure(builtin::not)),
    func!("or", [Reflect], Some(Reflect), Imp::Or),
    func!("print", [], Some(Any), Imp::Pure(builtin::print)),
    func!("printf", [Str], Some(Any), Imp::Pure(builtin::printf)),
    func!("println", [], Some(Any), Imp::Pure(builtin::println)),
    func!("quote", [], Some(Any), Imp::Pure(sprig::quote)),
    func!("repeat", [Int, Str], None, Imp::Pure(sprig::repeat)),
    func!("replace", [Str, Str, Str], None, Imp::Pure(sprig::replace)),
    func!("rest", [Any], None, Imp::Pure(sprig::rest)),
    func!("slice", [Any], Some(Any), Imp::Pure(sprig::slice)),
    func!("splitList", [Str, Str], None, Imp::Pure(sprig::split_list)),
    func!("squote", [], Some(Any), Imp::Pure(sprig::squote)),
    func!("sub", [Any, Any], None, Imp::Pure(sprig::sub)),
    func!("substr", [Int, Int, Str], None, Imp::Pure(sprig::substr)),
    func!("ternary", [Any, Any, Bool], None, Imp::Pure(sprig::ternary)),
    func!("title", [Str], None, Imp::Pure(sprig::title)),
    func!("toString", [Any], None, Imp::Pure(sprig::to_string)),
    func!("trim", [Str], None, Imp::Pure(sprig::trim)),
    func!("trimAll", [Str, Str], None, Imp::Pure(sprig::trim_all)),
    func!(
        "trimPrefix",
        [Str, Str],
        None,
        Imp::Pure(sprig::trim_prefix)
    ),
    func!(
        "trimSuffix",
        [Str, Str],
        None,
        Imp::Pure(sprig::trim_suffix)
    ),
    func!("trunc", [Int, Str], None, Imp::Pure(sprig::trunc)),
    func!("tuple", [], Some(Any), Imp::Pure(sprig::list)),
    func!("until", [Int], None, Imp::Pure(sprig::until)),
    func!("upper", [Str], None, Imp::Pure(sprig::upper)),
    func!("urlquery", [], Some(Any), Imp::Pure(builtin::urlquery)),
];

/// sprig 3.2.3 and Go builtin names that kubevali does not implement; using
/// one is a parse error that says so, rather than "not defined".
static UNSUPPORTED: &[&str] = &[
    "abbrev",
    "abbrevboth",
    "add1f",
    "addf",
    "adler32sum",
    "ago",
    "all",
    "any",
    "append",
    "b32dec",
    "b32enc",
    "base",
    "bcrypt",
    "biggest",
    "buildCustomCert",
    "call",
    "camelcase",
    "ceil",
    "chunk",
    "clean",
    "date",
    "dateInZone",
    "dateModify",
    "decryptAES",
    "deepCopy",
    "deepEqual",
    "derivePassword",
    "dict",
    "dig",
    "dir",
    "divf",
    "duration",
    "durationRound",
    "encryptAES",
    "expandenv",
    "ext",
    "floor",
    "fromJson",
    "genCA",
    "genCAWithKey",
    "genPrivateKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "get",
    "getHostByName",
    "hasKey",
    "htmlDate",
    "htmlDateInZone",
    "htpasswd",
    "initials",
    "isAbs",
    "kebabcase",
    "keys",
    "kindIs",
    "kindOf",
    "maxf",
    "merge",
    "mergeOverwrite",
    "minf",
    "mulf",
    "mustAppend",
    "mustChunk",
    "mustCompact",
    "mustDateModify",
    "mustDeepCopy",
    "mustFromJson",
    "mustMerge",
    "mustMergeOverwrite",
    "mustPrepend",
    "mustPush",
    "mustRegexFind",
    "mustRegexFindAll",
    "mustRegexMatch",
    "mustRegexReplaceAll",
    "mustRegexReplaceAllLiteral",
    "mustRegexSplit",
    "mustReverse",
    "mustToDate",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "mustUniq",
    "mustWithout",
    "now",
    "omit",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "pick",
    "pluck",
    "plural",
    "prepend",
    "push",
    "randAlpha",
    "randAlphaNum",
    "randAscii",
    "randBytes",
    "randInt",
    "randNumeric",
    "regexFind",
    "regexFindAll",
    "regexMatch",
    "regexQuoteMeta",
    "regexReplaceAll",
    "regexReplaceAllLiteral",
    "regexSplit",
    "reverse",
    "round",
    "semver",
    "semverCompare",
    "seq",
    "set",
    "sha1sum",
    "sha256sum",
    "shuffle",
    "snakecase",
    "sortAlpha",
    "split",
    "splitn",
    "subf",
    "swapcase",
    "toDate",
    "toDecimal",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "toStrings",
    "trimall",
    "typeIs",
    "typeIsLike",
    "typeOf",
    "uniq",
    "unixEpoch",
    "unset",
    "untilStep",
    "untitle",
    "urlJoin",
    "urlParse",
    "uuidv4",
    "values",
    "without",
    "wrap",
    "wrapWith",
];

/// Why the parser found no function by a name.
#[derive(Debug, PartialEq)]
pub enum LookupError {
    /// A sprig or Go function kubevali refuses on purpose.
    Unsupported(String),
    /// No such function; `suggestion` when the name looks like a typo.
    Undefined {
        name: String,
        suggestion: Option<&'static str>,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Unsupported(name) => {
                write!(f, "function {name:?} is not supported by kubevali")
            }
            LookupError::Undefined {
                name,
                suggestion: Some(s),
            } => write!(f, "function {name:?} not defined; did you mean {s:?}?"),
            LookupError::Undefined {
                name,
                suggestion: None,
            } => write!(f, "function {name:?} not defined"),
        }
    }
}

/// Finds a function for the parser; the error names the function and, when
/// the name looks like a typo, the likely intended one.
pub fn lookup(name: &str) -> Result<&'static Func, LookupError> {
    if let Ok(i) = FUNCS.binary_search_by(|f| f.name.cmp(name)) {
        return Ok(&FUNCS[i]);
    }
    if UNSUPPORTED.contains(&name) {
        return Err(LookupError::Unsupported(name.to_owned()));
    }
    Err(LookupError::Undefined {
        name: name.to_owned(),
        suggestion: suggest(name),
    })
}

fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    if let Some(f) = FUNCS.iter().find(|f| f.name.to_lowercase() == lower) {
        return Some(f.name);
    }
    let limit = if name.chars().count() <= 4 { 1 } else { 2 };
    FUNCS
        .iter()
        .map(|f| (edit_distance(&lower, &f.name.to_lowercase()), f.name))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 || a.len() > 64 {
        return usize::MAX;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_disjoint() {
        for w in FUNCS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for f in FUNCS {
            assert!(!UNSUPPORTED.contains(&f.name), "{}", f.name);
        }
    }

    /// docs/templates.md names every function, supported or refused.
    #[test]
    fn docs_list_every_function() {
        let docs = include_str!("../../../docs/templates.md");
        let (supported, rest) = docs
            .split_once("## Not supported")
            .expect("a Not supported section");
        let refused = rest.split("\n## ").next().unwrap_or_default();
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let (supported, refused) = (words(supported), words(refused));
        for f in FUNCS {
            assert!(
                supported.iter().any(|w| w == f.name),
                "{} undocumented",
                f.name
            );
        }
        for name in UNSUPPORTED {
            assert!(refused.iter().any(|w| w == name), "{name} not listed");
        }
    }

    #[test]
    fn lookup_errors() {
        let message = |name| lookup(name).unwrap_err().to_string();
        assert_eq!(
            message("splitlist"),
            r#"function "splitlist" not defined; did you mean "splitList"?"#
        );
        assert_eq!(
            message("sha256sum"),
            r#"function "sha256sum" is not supported by kubevali"#
        );
        assert_eq!(message("nope"), r#"function "nope" not defined"#);
        assert!(lookup("add1").is_ok());
    }
}

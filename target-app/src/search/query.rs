//! Turns what a user typed into a bounded tantivy query.
//!
//! The text goes through tantivy's lenient query grammar (`query_grammar::parse_query_lenient`, the
//! parser behind `QueryParser::parse_query_lenient`), so `+(happy`, a lone `"` or `AND OR NOT` still
//! mean something. We then build the query from that syntax tree ourselves instead of handing it to
//! `QueryParser`, because each plain word needs *its own* typo-tolerant alternative: a word matches
//! exactly (BM25, title boosted) or, for words of [`MIN_FUZZY_CHARS`]+ characters, within one edit
//! (`FuzzyTermQuery`, distance 1, transposition = 1 edit, a small constant score). Doing it per word
//! keeps `+`/`-`/`AND` semantics intact, and keeps exact matches above fuzzy-only ones: a document
//! with the exact word gets its BM25 score plus the fuzzy constant, a fuzzy-only one only the
//! constant.
//!
//! Work is bounded: the text is cut to [`MAX_QUERY_CHARS`], parentheses nest at most
//! [`MAX_NESTING`] deep (the grammar is recursive), at most [`MAX_TERMS`] words are used, prefix
//! queries expand to at most [`MAX_PREFIX_EXPANSIONS`] terms, and only names a user may search
//! (`title:`, `subtitle:`, `body:`) are honoured as fields; any other `name:` is read as text.

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query, TermQuery,
};
use tantivy::query_grammar::{self, Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Field, IndexRecordOption};

use super::schema::{self, Fields};

/// Longest query text considered, in characters; the rest is ignored.
pub(crate) const MAX_QUERY_CHARS: usize = 512;
/// Deepest parenthesis nesting passed to the (recursive) grammar.
const MAX_NESTING: usize = 8;
/// Most words turned into term queries; later ones are ignored.
pub(crate) const MAX_TERMS: usize = 16;
/// Shortest word (in characters) that also matches within one typo.
pub(crate) const MIN_FUZZY_CHARS: usize = 4;
/// Most terms a trailing `prefix*` expands to.
const MAX_PREFIX_EXPANSIONS: u32 = 50;
/// Largest phrase slop (`"a b"~N`) honoured.
const MAX_SLOP: u32 = 8;
/// Boost range accepted from `term^N`.
const MAX_USER_BOOST: f64 = 10.0;

/// BM25 weight of a match in the title (the name users look for).
const TITLE_BOOST: f32 = 3.0;
/// BM25 weight of a match in the subtitle (short context, e.g. a contact's company).
const SUBTITLE_BOOST: f32 = 1.5;
/// BM25 weight of a match in the body (everything else searchable).
const BODY_BOOST: f32 = 1.0;
/// Constant score of a within-one-typo match in the title. Exact BM25 title scores are several
/// times larger, so exact spellings rank first.
const FUZZY_TITLE_SCORE: f32 = 1.0;
/// Constant score of a within-one-typo match in the subtitle.
const FUZZY_SUBTITLE_SCORE: f32 = 0.5;

/// Builds the text part of a search (no owner or kind filter) from what the user typed. Returns
/// `None` when nothing searchable is left (e.g. only punctuation): the search matches nothing.
pub(crate) fn build(fields: &Fields, text: &str) -> Option<Box<dyn Query>> {
    let text = flatten_deep_nesting(schema::truncate_chars(text, MAX_QUERY_CHARS));
    let (ast, _errors) = query_grammar::parse_query_lenient(&text);
    let mut builder = Builder {
        fields,
        budget: MAX_TERMS,
    };
    builder.ast(ast)
}

/// Replaces parentheses nested deeper than [`MAX_NESTING`] with spaces, so the recursive grammar
/// never recurses far whatever the input. Quotes are not tracked: a parenthesis inside a phrase is
/// punctuation the tokenizer drops anyway.
fn flatten_deep_nesting(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .map(|c| match c {
            '(' if depth >= MAX_NESTING => ' ',
            '(' => {
                depth += 1;
                c
            }
            ')' if depth == 0 => ' ',
            ')' => {
                depth -= 1;
                c
            }
            _ => c,
        })
        .collect()
}

/// Walks the syntax tree, spending a budget of terms.
struct Builder<'a> {
    fields: &'a Fields,
    budget: usize,
}

impl Builder<'_> {
    fn ast(&mut self, ast: UserInputAst) -> Option<Box<dyn Query>> {
        match ast {
            UserInputAst::Clause(clauses) => {
                let mut subqueries: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (occur, sub) in clauses {
                    if let Some(query) = self.ast(sub) {
                        subqueries.push((occur_of(occur), query));
                    }
                }
                if subqueries.is_empty() {
                    return None;
                }
                if subqueries.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    // `-foo` alone means "everything but foo", as in tantivy's own parser.
                    subqueries.push((Occur::Should, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(subqueries)))
            }
            UserInputAst::Boost(sub, boost) => {
                let boost = boost.into_inner();
                let boost = if boost.is_finite() {
                    boost.clamp(0.0, MAX_USER_BOOST)
                } else {
                    1.0
                };
                let query = self.ast(*sub)?;
                Some(Box::new(BoostQuery::new(query, boost as f32)))
            }
            UserInputAst::Leaf(leaf) => self.leaf(*leaf),
        }
    }

    fn leaf(&mut self, leaf: UserInputLeaf) -> Option<Box<dyn Query>> {
        match leaf {
            UserInputLeaf::Literal(literal) => self.literal(literal),
            UserInputLeaf::All => Some(Box::new(AllQuery)),
            // Ranges, sets, `$exists` and regexes address fields users do not know about: there is
            // nothing sensible to search for, so they match nothing rather than fail.
            UserInputLeaf::Range { .. }
            | UserInputLeaf::Set { .. }
            | UserInputLeaf::Exists { .. }
            | UserInputLeaf::Regex { .. } => None,
        }
    }

    fn literal(&mut self, mut literal: UserInputLiteral) -> Option<Box<dyn Query>> {
        if self.budget == 0 {
            return None;
        }
        // The grammar only knows quoted prefixes (`"acme co"*`); users type `acm*`.
        if literal.delimiter == Delimiter::None && literal.phrase.ends_with('*') {
            literal.phrase = literal.phrase.trim_end_matches('*').to_owned();
            literal.prefix = true;
        }
        let targets = match literal.field_name.take() {
            None => self.all_text_fields(),
            Some(name) => match self.user_field(&name) {
                Some(target) => vec![target],
                // `Re: meeting`, `acme:corp`: not a field, just one more word.
                None => return self.unknown_field(name, literal),
            },
        };
        let text = literal.phrase;
        let mut tokens = Vec::new();
        let mut analyzer = schema::text_analyzer();
        analyzer
            .token_stream(&text)
            .process(&mut |token| tokens.push((token.position, token.text.clone())));
        tokens.truncate(self.budget);
        if tokens.is_empty() {
            return None;
        }
        self.budget -= tokens.len();

        let slop = literal.slop.min(MAX_SLOP);
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, boost) in &targets {
            let query = exact(field, &tokens, slop, literal.prefix);
            alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
        }
        let typo_tolerant = literal.delimiter == Delimiter::None && !literal.prefix;
        if let [(_, word)] = tokens.as_slice()
            && typo_tolerant
            && word.chars().count() >= MIN_FUZZY_CHARS
        {
            for &(field, score) in &self.fuzzy_fields(&targets) {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), 1, true);
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fuzzy), score)),
                ));
            }
        }
        Some(Box::new(BooleanQuery::new(alternatives)))
    }

    /// `name:literal` where `name` is no field users may search: both are searched as text.
    fn unknown_field(&mut self, name: String, literal: UserInputLiteral) -> Option<Box<dyn Query>> {
        let name = UserInputLiteral {
            field_name: None,
            phrase: name,
            delimiter: Delimiter::None,
            slop: 0,
            prefix: false,
        };
        let clauses: Vec<(Occur, Box<dyn Query>)> = [name, literal]
            .into_iter()
            .filter_map(|literal| self.literal(literal))
            .map(|query| (Occur::Should, query))
            .collect();
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// The default fields of a plain word, with their BM25 boosts.
    fn all_text_fields(&self) -> Vec<(Field, f32)> {
        vec![
            (self.fields.title, TITLE_BOOST),
            (self.fields.subtitle, SUBTITLE_BOOST),
            (self.fields.body, BODY_BOOST),
        ]
    }

    /// The field a user addressed by name (`title:acme`), if users may address it.
    fn user_field(&self, name: &str) -> Option<(Field, f32)> {
        match name.to_ascii_lowercase().as_str() {
            "title" | "name" => Some((self.fields.title, TITLE_BOOST)),
            "subtitle" => Some((self.fields.subtitle, SUBTITLE_BOOST)),
            "body" => Some((self.fields.body, BODY_BOOST)),
            _ => None,
        }
    }

    /// The fields among `targets` that get a typo-tolerant alternative, with its constant score.
    /// The body is left out: it holds emails, domains and free text where a one-letter slack mostly
    /// adds noise.
    fn fuzzy_fields(&self, targets: &[(Field, f32)]) -> Vec<(Field, f32)> {
        targets
            .iter()
            .filter_map(|&(field, _)| {
                if field == self.fields.title {
                    Some((field, FUZZY_TITLE_SCORE))
                } else if field == self.fields.subtitle {
                    Some((field, FUZZY_SUBTITLE_SCORE))
                } else {
                    None
                }
            })
            .collect()
    }
}

/// The exact-match query of analysed `tokens` in one field: a term, a phrase, or a prefix.
fn exact(field: Field, tokens: &[(usize, String)], slop: u32, prefix: bool) -> Box<dyn Query> {
    let terms: Vec<(usize, Term)> = tokens
        .iter()
        .map(|(position, text)| (*position, Term::from_field_text(field, text)))
        .collect();
    if prefix {
        let mut query = PhrasePrefixQuery::new_with_offset(terms);
        query.set_max_expansions(MAX_PREFIX_EXPANSIONS);
        return Box::new(query);
    }
    match <[_; 1]>::try_from(terms) {
        Ok([(_, term)]) => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
        Err(terms) => Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop)),
    }
}

/// A clause without an explicit `+`/`-` is optional, as in tantivy's default (OR) mode.
fn occur_of(occur: Option<query_grammar::Occur>) -> Occur {
    match occur {
        Some(query_grammar::Occur::Must) => Occur::Must,
        Some(query_grammar::Occur::MustNot) => Occur::MustNot,
        Some(query_grammar::Occur::Should) | None => Occur::Should,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_flattened() {
        let deep = "(".repeat(100) + "acme" + &")".repeat(100);
        let flat = flatten_deep_nesting(&deep);
        assert_eq!(flat.matches('(').count(), MAX_NESTING);
        assert_eq!(flat.matches(')').count(), MAX_NESTING);
        assert_eq!(flatten_deep_nesting(")a("), " a(");
    }

    #[test]
    fn nothing_searchable_builds_no_query() {
        let (_, fields) = schema::build();
        for text in ["", "   ", "\"", "()", "+", "-", "!!!"] {
            assert!(build(&fields, text).is_none(), "{text:?}");
        }
    }
}

//! The tantivy schema and its tokenizers, in one place so the index writer, the query builders and
//! the tests agree on field names and text analysis.
//!
//! Fields:
//! - `key` (raw string, indexed): `kind:id`, the unit of upsert and delete.
//! - `kind` (u64, indexed + fast + stored), `id` (i64, fast + stored), `owner_id` (i64, indexed +
//!   fast): filters, facets and hit identity.
//! - `title`, `subtitle` (text, positions, stored) and `body` (text, positions, not stored): BM25.
//! - `title_words` (edge n-grams of each title word, 1..=20 chars) and `title_start` (edge n-grams of
//!   the whole normalised title, 1..=40 chars): word-prefix suggestions, and a bonus for titles that
//!   start with what was typed.
//!
//! Tokenizers are not persisted by tantivy, so [`register_tokenizers`] runs on every open.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, NgramTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};

use super::doc::SearchDoc;

/// Tokenizer of the full-text fields: words, lowercased, accents folded.
pub(crate) const TEXT_TOKENIZER: &str = "saleshub_text";
/// Tokenizer of `title_words`: each value is one normalised word, indexed as its prefixes.
const WORD_PREFIX_TOKENIZER: &str = "saleshub_word_prefix";
/// Tokenizer of `title_start`: the normalised title, indexed as its prefixes.
const TITLE_PREFIX_TOKENIZER: &str = "saleshub_title_prefix";

/// Longest word prefix indexed in `title_words`; longer typed words are cut to this.
pub(crate) const MAX_WORD_PREFIX: usize = 20;
/// Longest title prefix indexed in `title_start`; longer typed prefixes are cut to this.
pub(crate) const MAX_TITLE_PREFIX: usize = 40;
/// Words longer than this (in bytes) are not indexed at all (they are noise: ids, hashes, URLs).
const MAX_WORD_BYTES: usize = 40;

/// Handles to every field of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub kind: Field,
    pub id: Field,
    pub owner_id: Field,
    pub title: Field,
    pub subtitle: Field,
    pub body: Field,
    pub title_words: Field,
    pub title_start: Field,
}

/// Fast-field name of `kind`, read by the facet and kind-filter collectors.
pub(crate) const KIND_FIELD: &str = "kind";

/// Builds the schema and returns it with its field handles.
pub(crate) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let options = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let prefixes = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        kind: builder.add_u64_field(
            KIND_FIELD,
            NumericOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored(),
        ),
        id: builder.add_i64_field("id", NumericOptions::default().set_fast().set_stored()),
        owner_id: builder.add_i64_field(
            "owner_id",
            NumericOptions::default().set_indexed().set_fast(),
        ),
        title: builder.add_text_field("title", text(true)),
        subtitle: builder.add_text_field("subtitle", text(true)),
        body: builder.add_text_field("body", text(false)),
        title_words: builder.add_text_field("title_words", prefixes(WORD_PREFIX_TOKENIZER)),
        title_start: builder.add_text_field("title_start", prefixes(TITLE_PREFIX_TOKENIZER)),
    };
    (builder.build(), fields)
}

/// The analyzer of the full-text fields, also used to split queries and suggestion prefixes.
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the schema's tokenizers on `index` (needed after every create or open).
pub(crate) fn register_tokenizers(index: &Index) -> tantivy::Result<()> {
    let manager = index.tokenizers();
    manager.register(TEXT_TOKENIZER, text_analyzer());
    manager.register(
        WORD_PREFIX_TOKENIZER,
        TextAnalyzer::from(NgramTokenizer::prefix_only(1, MAX_WORD_PREFIX)?),
    );
    manager.register(
        TITLE_PREFIX_TOKENIZER,
        TextAnalyzer::from(NgramTokenizer::prefix_only(1, MAX_TITLE_PREFIX)?),
    );
    Ok(())
}

/// Splits `text` into normalised words (lowercase, accents folded), as the index sees them.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    stream.process(&mut |token| words.push(token.text.clone()));
    words
}

/// The first `max_chars` characters of `s`.
pub(crate) fn truncate_chars(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

/// Turns a [`SearchDoc`] into the document tantivy stores.
pub(crate) fn to_document(fields: &Fields, doc: &SearchDoc) -> TantivyDocument {
    let mut out = TantivyDocument::default();
    out.add_text(fields.key, SearchDoc::key_of(doc.kind, doc.id));
    out.add_u64(fields.kind, doc.kind.code());
    out.add_i64(fields.id, doc.id);
    out.add_i64(fields.owner_id, doc.owner_id);
    out.add_text(fields.title, &doc.title);
    out.add_text(fields.subtitle, &doc.subtitle);
    out.add_text(fields.body, &doc.body);
    let title_words = words(&doc.title);
    for word in &title_words {
        out.add_text(fields.title_words, word);
    }
    out.add_text(fields.title_start, title_words.join(" "));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_and_folded() {
        assert_eq!(words("Zoë O'Brien-Smith"), ["zoe", "o", "brien", "smith"]);
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
    }
}

// tokenizer.json tokenization: the fixtures' byte-level BPE against the ids and texts Hugging Face produced, round
// trips, a SentencePiece-style file written inline, and broken or unsupported files.
#include "pipeline/llm/TextGenerator.h"
#include "pipeline/llm/Tokenizer.h"

#include "TestSupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace autoglm;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = AUTOGLM_FIXTURES;

std::vector<int32_t> toIds(const QJsonArray& array) {
    std::vector<int32_t> ids;
    for (const QJsonValue& v : array)
        ids.push_back(v.toInt());
    return ids;
}

QJsonObject readReference(const fs::path& folder) {
    QFile f(QString::fromStdString((folder / "reference.json").string()));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

QByteArray idsText(const std::vector<int32_t>& ids) {
    QByteArray out;
    for (int32_t id : ids)
        out += QByteArray::number(id) + ' ';
    return out;
}

#define COMPARE_IDS(actual, expected)                                                                                  \
    QVERIFY2((actual) == (expected), (idsText(actual) + " != " + idsText(expected)).constData())

// A Llama-2 style file: SentencePiece BPE with byte fallback, "▁" for spaces, a BOS template.
std::string sentencePieceJson() {
    std::string vocab = R"("<unk>": 0, "<s>": 1, "</s>": 2)";
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        vocab += ", \"" + std::string(name) + "\": " + std::to_string(3 + b);
    }
    vocab += R"(, "▁": 259, "h": 260, "e": 261, "l": 262, "o": 263, "▁h": 264, "ll": 265, "▁he": 266,
                "▁hell": 267, "▁hello": 268)";
    return R"({"version": "1.0", "truncation": null, "padding": null,
      "added_tokens": [
        {"id": 0, "content": "<unk>", "special": true, "lstrip": false, "rstrip": false,
         "single_word": false, "normalized": false},
        {"id": 1, "content": "<s>", "special": true, "lstrip": false, "rstrip": false,
         "single_word": false, "normalized": false},
        {"id": 2, "content": "</s>", "special": true, "lstrip": false, "rstrip": false,
         "single_word": false, "normalized": false}],
      "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
      "pre_tokenizer": null,
      "post_processor": {"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
      "decoder": {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
      "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
        "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "ignore_merges": false,
        "vocab": {)" +
           vocab + R"(},
        "merges": ["▁ h", "l l", "▁h e", "▁he ll", "▁hell o"]}})";
}

} // namespace

class TokenizerTest : public QObject {
    Q_OBJECT

private:
    Result<Tokenizer> loadFixture(const char* name) { return Tokenizer::load(kFixtures / name / "tokenizer.json"); }

private Q_SLOTS:
    void fixtures_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("tiny_llama") << "tiny_llama";
        QTest::newRow("tiny_glm") << "tiny_glm";
    }
    void fixtures() {
        QFETCH(QString, name);
        const fs::path folder = kFixtures / name.toStdString();
        if (!fs::exists(folder / "tokenizer.json"))
            QSKIP("fixture tokenizer.json not found");
        auto tok = Tokenizer::load(folder / "tokenizer.json");
        VERIFY_RESULT(tok);
        QCOMPARE(tok->vocabSize(), 2048);
        QCOMPARE(tok->tokenId("<|endoftext|>"), std::optional<int32_t>(0));
        QVERIFY(!tok->tokenId("not a token").has_value());

        const QJsonObject ref = readReference(folder);
        QVERIFY(!ref.isEmpty());
        COMPARE_IDS(tok->encode(ref["prompt"].toString().toStdString()), toIds(ref["prompt_ids"].toArray()));
        QCOMPARE(QString::fromStdString(tok->decode(toIds(ref["greedy_32_ids"].toArray()))),
                 ref["greedy_32_text"].toString());
        QCOMPARE(tok->decode(toIds(ref["prompt_ids"].toArray())), ref["prompt"].toString().toStdString());
    }

    void austenRoundTrip() {
        const fs::path file = kFixtures / "austen_val.txt";
        if (!fs::exists(file) || !fs::exists(kFixtures / "tiny_llama" / "tokenizer.json"))
            QSKIP("fixtures not found");
        auto tok = loadFixture("tiny_llama");
        VERIFY_RESULT(tok);
        const std::string text = readFile(file);
        QElapsedTimer timer;
        timer.start();
        const std::vector<int32_t> ids = tok->encode(text);
        const qint64 encodeMs = timer.elapsed();
        timer.restart();
        const std::string back = tok->decode(ids);
        qInfo("austen_val.txt: %zu bytes -> %zu tokens; encode %lld ms, decode %lld ms", text.size(), ids.size(),
              encodeMs, timer.elapsed());
        QVERIFY(ids.size() > 0 && ids.size() < text.size() / 2);
        QVERIFY(back == text);
    }

    void edgeCases_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("unicode") << QString::fromUtf8("naïve café — 東京");
        QTest::newRow("emoji and marks") << QString::fromUtf8("e\xCC\x81t\xC3\xA9 😀👍🏽 ½ ٣ Ω≈ç");
        QTest::newRow("newlines") << "first\n\nsecond\r\nthird\n";
        QTest::newRow("space runs") << "  a   b\t\t c    \n   ";
        QTest::newRow("contractions") << "I'm sure you'll say it's 'quoted' -- he'd've";
        QTest::newRow("special inside") << "end<|endoftext|>start <|endoftext|><|endoftext|>";
    }
    void edgeCases() {
        QFETCH(QString, text);
        if (!fs::exists(kFixtures / "tiny_llama" / "tokenizer.json"))
            QSKIP("fixture tokenizer.json not found");
        auto tok = loadFixture("tiny_llama");
        VERIFY_RESULT(tok);
        const std::string utf8 = text.toStdString();
        const std::vector<int32_t> ids = tok->encode(utf8);
        QCOMPARE(ids.empty(), utf8.empty());
        QCOMPARE(tok->decode(ids), utf8);
    }

    // Expected ids from GPT-2 BPE in Python with the `regex` module, whose \p{L}/\p{N} are the real Unicode
    // classes: the hand-written split agrees on accents, combining marks, CJK, emoji, digits and space runs.
    void unicodeSplit_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ids");
        QTest::newRow("latin and cjk")
            << QString::fromUtf8("naïve café — 東京")
            << "78 65 128 108 307 280 1249 128 103 221 159 223 243 221 163 252 110 161 119 106";
        QTest::newRow("marks and symbols")
            << QString::fromUtf8("e\xCC\x81t\xC3\xA9 😀👍🏽 ½ ٣ Ω≈ç")
            << "69 137 224 84 128 103 221 173 254 247 223 173 254 240 236 173 254 238 122 221 127 122 221 150 97 221 "
               "139 103 159 232 231 128 101";
        QTest::newRow("space runs") << "  a   b\t\t c    \n   "
                                    << "221 259 753 270 198 198 280 1312 199 753 221";
        QTest::newRow("contractions") << "I'm sure you'll say it's 'quoted' -- he'd've"
                                      << "41 7 77 758 324 7 285 584 325 370 1646 377 298 277 7 221 356 282 7 68 7 307";
    }
    void unicodeSplit() {
        QFETCH(QString, text);
        QFETCH(QString, ids);
        if (!fs::exists(kFixtures / "tiny_llama" / "tokenizer.json"))
            QSKIP("fixture tokenizer.json not found");
        auto tok = loadFixture("tiny_llama");
        VERIFY_RESULT(tok);
        std::vector<int32_t> expected;
        for (const QString& id : ids.split(' '))
            expected.push_back(id.toInt());
        COMPARE_IDS(tok->encode(text.toStdString()), expected);
    }

    void specialTokensAreWhole() {
        if (!fs::exists(kFixtures / "tiny_llama" / "tokenizer.json"))
            QSKIP("fixture tokenizer.json not found");
        auto tok = loadFixture("tiny_llama");
        VERIFY_RESULT(tok);
        const std::vector<int32_t> a = tok->encode("a");
        const std::vector<int32_t> ids = tok->encode("a<|endoftext|>a");
        std::vector<int32_t> expected = a;
        expected.push_back(0);
        expected.insert(expected.end(), a.begin(), a.end());
        COMPARE_IDS(ids, expected);
        QCOMPARE(tok->decode({0}), std::string("<|endoftext|>"));
        // A space before a word belongs to it: "a b" is "a" + "Ġb", and runs of spaces leave their last one.
        QCOMPARE(tok->encode("a b").size(), size_t(2));
        QCOMPARE(tok->decode(tok->encode("x     y")), std::string("x     y"));
    }

    // Streaming decode (TextStream): characters split over several byte-level tokens come out whole, once
    // complete, and the pieces add up to the whole text.
    void streamHoldsBackHalfCharacters() {
        if (!fs::exists(kFixtures / "tiny_llama" / "tokenizer.json"))
            QSKIP("fixture tokenizer.json not found");
        auto tok = loadFixture("tiny_llama");
        VERIFY_RESULT(tok);
        const std::string text = "Emma \xe4\xb8\xad\xe6\x96\x87 caf\xc3\xa9 \xf0\x9f\x99\x82!"; // 中文 café 🙂
        const std::vector<int32_t> ids = tok->encode(text);
        QVERIFY(ids.size() > 10); // Austen's vocabulary has no such characters: they are single bytes
        TextStream stream(tok.value());
        std::string joined;
        int held = 0;
        for (int32_t id : ids) {
            const std::string piece = stream.push(id);
            held += piece.empty();
            QVERIFY2(QString::fromUtf8(piece).toUtf8() == QByteArray::fromStdString(piece), piece.c_str());
            joined += piece;
        }
        QVERIFY(held > 0);
        joined += stream.finish();
        QCOMPARE(joined, text);
        QCOMPARE(stream.text(), text);

        // A generation cut off inside a character hands out its bytes at the end, as they are.
        const std::vector<int32_t> cutIds = tok->encode("a\xe4\xb8\xad");
        QVERIFY(cutIds.size() >= 2);
        const std::vector<int32_t> kept(cutIds.begin(), cutIds.end() - 1);
        TextStream cut(tok.value());
        std::string out;
        for (int32_t id : kept)
            out += cut.push(id);
        QCOMPARE(out, std::string("a"));
        QCOMPARE(cut.finish(), tok->decode(kept).substr(1));
    }

    void sentencePieceStyle() {
        auto tok = Tokenizer::fromJson(sentencePieceJson(), "inline.json");
        VERIFY_RESULT(tok);
        COMPARE_IDS(tok->encode("hello"), (std::vector<int32_t>{1, 268}));
        // "é" is not in the vocabulary: its two UTF-8 bytes fall back to <0xC3> <0xA9>.
        const std::vector<int32_t> ids = tok->encode("hello é");
        COMPARE_IDS(ids, (std::vector<int32_t>{1, 268, 259, 3 + 0xC3, 3 + 0xA9}));
        QCOMPARE(tok->decode(std::vector<int32_t>(ids.begin() + 1, ids.end())), std::string("hello é"));
        QCOMPARE(tok->decode(ids), std::string("<s> hello é"));
        COMPARE_IDS(tok->encode("oh</s>"), (std::vector<int32_t>{1, 259, 263, 260, 2}));
    }

    void badInput() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();

        auto missing = Tokenizer::load(root / "nope" / "tokenizer.json");
        VERIFY_ERROR_MENTIONS(missing, "nope/tokenizer.json");

        const fs::path notJson = root / "broken.json";
        std::ofstream(notJson) << "{\"model\": [1, 2,";
        auto broken = Tokenizer::load(notJson);
        VERIFY_ERROR_MENTIONS(broken, "broken.json");
        VERIFY_ERROR_MENTIONS(broken, "not valid JSON");

        const fs::path wordPiece = root / "wordpiece.json";
        std::ofstream(wordPiece) << R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})";
        auto wp = Tokenizer::load(wordPiece);
        VERIFY_ERROR_MENTIONS(wp, "wordpiece.json");
        VERIFY_ERROR_MENTIONS(wp, "model.type 'WordPiece' is not supported");
        QVERIFY(wp.error().unsupported);

        auto regex = Tokenizer::fromJson(
            R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
                "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                  {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false}]}})",
            "split.json");
        VERIFY_ERROR_MENTIONS(regex, "pre_tokenizer.pretokenizers[0].pattern.Regex");

        auto badMerge =
            Tokenizer::fromJson(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "merge.json");
        VERIFY_ERROR_MENTIONS(badMerge, "model.merges[0]");
        QVERIFY(!badMerge.error().unsupported);

        auto noVocab = Tokenizer::fromJson(R"({"model": {"type": "BPE", "merges": []}})", "novocab.json");
        VERIFY_ERROR_MENTIONS(noVocab, "model.vocab is missing");
    }
};

QTEST_GUILESS_MAIN(TokenizerTest)
#include "tst_tokenizer.moc"

// The stage forms' schema against the passes' own parameter parsing: every parameter a pass reads has a field,
// every field's default is the pass's default, and every value a field offers (choices, range ends) is one the
// pass accepts while the values just past a range are refused with a message naming the field.
#include "pipeline/runner/PipelineSpec.h"
#include "pipeline/runner/StageParams.h"
#include "pipeline/runner/StageSchema.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace autoglm;
using nlohmann::json;

namespace {

// Dotted keys of every leaf of `params` ("layers.keep_last").
void collectKeys(const json& params, const std::string& prefix, std::set<std::string>& out) {
    for (const auto& [key, value] : params.items()) {
        const std::string dotted = prefix.empty() ? key : prefix + "." + key;
        if (value.is_object())
            collectKeys(value, dotted, out);
        else
            out.insert(dotted);
    }
}

// Params setting `field` to `value`, with what the field needs to matter (its condition, and the one
// cross-field requirement a pass has: a hidden-state weight needs values to match).
json paramsWith(const StageField& field, const json& value) {
    json params = json::object();
    if (!field.whenKey.empty())
        setDottedParam(params, field.whenKey, field.whenValues.front());
    if (field.key == "hidden_weight")
        params["hidden_values"] = {"features"};
    setDottedParam(params, field.key, value);
    return params;
}

std::string describe(const std::string& kind, const StageField& field, const json& value) {
    return kind + "." + field.key + " = " + value.dump();
}

void expectAccepted(const std::string& kind, const StageField& field, const json& value) {
    auto parsed = parseStageParams(kind, paramsWith(field, value), "params");
    QVERIFY2(parsed.ok(), (describe(kind, field, value) + ": " + (parsed.ok() ? "" : parsed.message())).c_str());
    QVERIFY2(
        dottedParam(parsed->toJson(), field.key) == value || kind == "evaluate",
        (describe(kind, field, value) + " came back as " + dottedParam(parsed->toJson(), field.key).dump()).c_str());
}

void expectRefused(const std::string& kind, const StageField& field, const json& value) {
    auto parsed = parseStageParams(kind, paramsWith(field, value), "params");
    QVERIFY2(!parsed.ok(), (describe(kind, field, value) + " was accepted").c_str());
    const std::string leaf = field.key.substr(field.key.rfind('.') + 1);
    QVERIFY2(parsed.message().find(leaf) != std::string::npos, parsed.message().c_str());
}

json numberValue(const StageField& field, double v) {
    return field.type == StageFieldType::Int ? json(static_cast<int64_t>(v)) : json(v);
}

} // namespace

class StageSchemaTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everyParameterHasAField() {
        for (const std::string kind : {"prune", "quantize", "distill", "export"}) {
            auto defaults = parseStageParams(kind, json::object(), "params");
            QVERIFY(defaults.ok());
            std::set<std::string> keys;
            collectKeys(defaults->toJson(), "", keys);
            std::set<std::string> fields;
            for (const auto& f : stageSchema(kind))
                QVERIFY2(fields.insert(f.key).second, ("duplicate field " + kind + "." + f.key).c_str());
            auto joined = [](const std::set<std::string>& set) {
                QStringList out;
                for (const auto& s : set)
                    out << QString::fromStdString(s);
                return out.join(", ");
            };
            QCOMPARE(joined(fields), joined(keys));
        }
        QCOMPARE(stageSchema("evaluate").size(), size_t(2));
        QVERIFY(stageSchema("nonsense").empty());
        // Every kind a palette offers has a schema entry (possibly empty) that parses.
        for (const auto& kind : stageKinds())
            QVERIFY(parseStageParams(kind, json::object(), "params").ok());
    }

    void defaultsAreThePassDefaults() {
        for (const auto& kind : stageKinds())
            for (const auto& field : stageSchema(kind)) {
                QVERIFY2(!field.label.empty() && !field.tooltip.empty(), field.key.c_str());
                if (kind == "evaluate")
                    continue; // its defaults defer to the pipeline and are not written back
                auto defaults = parseStageParams(kind, json::object(), "params");
                QCOMPARE(QString::fromStdString(field.defaultValue.dump()),
                         QString::fromStdString(dottedParam(defaults->toJson(), field.key).dump()));
                expectAccepted(kind, field, field.defaultValue);
            }
    }

    void offeredValuesRoundTrip() {
        for (const auto& kind : stageKinds())
            for (const auto& field : stageSchema(kind)) {
                switch (field.type) {
                case StageFieldType::Choice:
                    QVERIFY(!field.choices.empty());
                    for (const auto& c : field.choices)
                        expectAccepted(kind, field, c);
                    expectRefused(kind, field, field.choices.front().is_string() ? json("bogus") : json(3));
                    break;
                case StageFieldType::Bool:
                    expectAccepted(kind, field, true);
                    expectAccepted(kind, field, false);
                    break;
                case StageFieldType::Int:
                case StageFieldType::Double: {
                    QVERIFY(field.minimum < field.maximum);
                    const double step = field.type == StageFieldType::Int ? 1.0 : 0.0;
                    auto past = [&](double bound) { return std::max(std::abs(bound) * 0.01, 1e-3) + step; };
                    expectAccepted(kind, field, numberValue(field, field.minimum));
                    if (field.minimum > -kUnboundedParam)
                        expectRefused(kind, field, numberValue(field, field.minimum - past(field.minimum)));
                    if (field.maximumExclusive) {
                        expectRefused(kind, field, numberValue(field, field.maximum));
                        expectAccepted(kind, field, numberValue(field, field.maximum - 0.01));
                    } else {
                        expectAccepted(kind, field, numberValue(field, field.maximum));
                        if (field.maximum < kUnboundedParam)
                            expectRefused(kind, field, numberValue(field, field.maximum + past(field.maximum)));
                    }
                    break;
                }
                case StageFieldType::StringList:
                    if (field.choices.empty()) {
                        expectAccepted(kind, field, json::array({"block*", "head"}));
                    } else {
                        for (const auto& c : field.choices)
                            expectAccepted(kind, field, json::array({c}));
                        expectRefused(kind, field, json::array({"bogus"}));
                    }
                    break;
                case StageFieldType::DatasetRef:
                    expectAccepted(kind, field, "test");
                    break;
                }
            }
    }

    void conditionsFollowTheParameters() {
        const StageField* group = findStageField("quantize", "group_size");
        QVERIFY(group);
        QVERIFY(!group->applies(json{{"scheme", "w8a8"}}));
        QVERIFY(group->applies(json{{"scheme", "w4a16"}}));
        const StageField* alpha = findStageField("quantize", "smoothquant_alpha");
        QVERIFY(alpha && !alpha->applies(json{{"smoothquant", false}}) && alpha->applies(json{{"smoothquant", true}}));
        QVERIFY(findStageField("prune", "layers.keep_last"));
        QVERIFY(!findStageField("prune", "nonsense"));
        // The condition keys name real fields of the same kind.
        for (const auto& kind : stageKinds())
            for (const auto& field : stageSchema(kind))
                if (!field.whenKey.empty())
                    QVERIFY2(findStageField(kind, field.whenKey), field.whenKey.c_str());
    }

    void dottedAccess() {
        json params = json::object();
        setDottedParam(params, "layers.keep_last", true);
        QCOMPARE(dottedParam(params, "layers.keep_last"), json(true));
        QVERIFY(dottedParam(params, "layers.missing").is_null());
        QVERIFY(dottedParam(params, "missing.deeper").is_null());
    }
};

QTEST_APPLESS_MAIN(StageSchemaTest)
#include "tst_stage_schema.moc"

// Every user-visible string of the studio has its Simplified Chinese translation: lupdate scans the sources
// the build's translation step scans (app/studio, widgets, the core's StageSchema) into a copy of
// translations/autoglm_zh_CN.ts, and any message it leaves unfinished is a string without a translation.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

class TranslationsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void everySourceStringIsTranslated() {
        const QString root = AUTOGLM_SOURCE_DIR;
        QTemporaryDir dir;
        const QString copy = dir.filePath("autoglm_zh_CN.ts");
        QVERIFY(QFile::copy(root + "/translations/autoglm_zh_CN.ts", copy));
        QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
        QProcess lupdate;
        lupdate.setWorkingDirectory(root);
        lupdate.start(AUTOGLM_LUPDATE, {"-I", root, "-no-obsolete", "-locations", "none", "app/studio", "widgets",
                                        "pipeline/runner/StageSchema.cpp", "-ts", copy});
        QVERIFY(lupdate.waitForFinished(120000));
        QVERIFY2(lupdate.exitCode() == 0, lupdate.readAllStandardError().constData());

        QFile file(copy);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QStringList untranslated;
        QString context, source;
        int messages = 0;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == u"name") {
                context = xml.readElementText();
            } else if (xml.name() == u"message") {
                ++messages;
            } else if (xml.name() == u"source") {
                source = xml.readElementText();
            } else if (xml.name() == u"translation") {
                const bool unfinished = xml.attributes().value("type") == u"unfinished";
                const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                if (unfinished || text.trimmed().isEmpty())
                    untranslated << context + ": " + source;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(QString("%1 at line %2").arg(xml.errorString()).arg(xml.lineNumber())));
        QVERIFY(messages > 250);
        QVERIFY2(untranslated.isEmpty(), qPrintable("no zh_CN translation for:\n" + untranslated.join("\n")));
    }
};

QTEST_APPLESS_MAIN(TranslationsTest)
#include "tst_translations.moc"

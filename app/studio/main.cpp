// autoglm-studio: opens the model or pipeline given on the command line, if any.
#include "MainWindow.h"

#include "pipeline/exec/Executor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Open-AutoGLM");
    QApplication::setApplicationName("Open-AutoGLM Studio");
    QApplication::setApplicationVersion("0.1.0");

    QTranslator translator;
    if (translator.load(QLocale(), "autoglm", "_", ":/i18n"))
        QApplication::installTranslator(&translator);

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Compress models: inspect, prune, quantize."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        "file",
        QApplication::translate(
            "main", "Model to open (.onnx file or Hugging Face checkpoint folder) or pipeline (.autoglm.json)."));
    parser.process(app);

    autoglm::setComputeThreads(0);
    autoglm::studio::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty())
        window.openPath(parser.positionalArguments().front());
    return QApplication::exec();
}

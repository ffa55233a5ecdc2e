// autoglm-studio: opens the model or pipeline given on the command line, if any.
#include "MainWindow.h"
#include "widgets/StudioSettings.h"

#include "pipeline/exec/Executor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("Open-AutoGLM");
    QApplication::setApplicationName("Open-AutoGLM Studio");
    QApplication::setApplicationVersion("0.1.0");

    const autoglm::widgets::StudioSettings settings = autoglm::widgets::StudioSettings::load();
    autoglm::widgets::applyTheme(settings.theme);
    // The language chosen in Preferences, else the system's (English, the source language, needs no file).
    autoglm::widgets::applyLanguage(settings.language);

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
    // Work a crashed session left unsaved comes first; the file named on the command line opens otherwise.
    if (!window.offerRecovery() && !parser.positionalArguments().isEmpty())
        window.openPath(parser.positionalArguments().front());
    return QApplication::exec();
}

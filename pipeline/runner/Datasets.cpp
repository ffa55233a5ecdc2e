#include "pipeline/runner/Datasets.h"

#include "pipeline/common/ReadFile.h"
#include "pipeline/eval/Benchmark.h"
#include "pipeline/io/ArrayFile.h"
#include "pipeline/model/ModelSummary.h"

#include <ATen/ATen.h>

#if defined(AUTOGLM_HAVE_STB)
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>
#endif

#include <algorithm>
#include <filesystem>

namespace autoglm {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSyntheticBatch = 16;
constexpr int64_t kDefaultSyntheticSamples = 64;

std::string named(const DatasetSpec& d) { return "dataset '" + d.id + "'"; }

Result<std::string> readText(const fs::path& file) {
    auto text = readFileBytes(file);
    if (text && text->empty())
        return Error{"'" + file.string() + "' is empty"};
    return text;
}

// The model's first input as images [N, C, H, W] with fixed C, H and W.
Result<std::array<int64_t, 3>> imageInputShape(const Model& model) {
    const auto feeds = model.graph.feedInputs();
    if (feeds.empty() || !feeds.front().shape || feeds.front().shape->size() != 4)
        return Error{"an image folder needs a model whose first input is images [N, C, H, W]"};
    const auto& dims = *feeds.front().shape;
    if (!dims[1].isFixed() || !dims[2].isFixed() || !dims[3].isFixed())
        return Error{"the model input '" + feeds.front().name + "' is " + feeds.front().shapeString() +
                     ": an image folder needs fixed channels, height and width"};
    if (dims[1].value != 1 && dims[1].value != 3)
        return Error{"the model input '" + feeds.front().name + "' has " + std::to_string(dims[1].value) +
                     " channels; image folders give 1 (grey) or 3 (RGB)"};
    return std::array<int64_t, 3>{dims[1].value, dims[2].value, dims[3].value};
}

bool isImageFile(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" || ext == ".ppm" ||
           ext == ".tga" || ext == ".gif";
}

} // namespace

int64_t LoadedDataset::imageCount() const { return images ? images->rows() : 0; }

std::string LoadedDataset::describe() const {
    if (isText())
        return std::to_string(text.size()) + " bytes of text";
    if (isSynthetic()) {
        int64_t n = 0;
        for (const auto& feeds : synthetic)
            n += feeds.empty() ? 0 : feeds.begin()->second.shape().at(0);
        return std::to_string(n) + " synthetic samples";
    }
    return std::to_string(imageCount()) + " images " + formatShape(images->shape()) + " " + dtypeName(images->dtype()) +
           (hasLabels() ? " with labels" : "");
}

Result<ImageFolder> readImageFolder(const std::string& folder, const Model& model, int64_t maxImages) {
#if !defined(AUTOGLM_HAVE_STB)
    (void)model;
    (void)maxImages;
    return Error{"image folder '" + folder + "': this build has no image decoder (stb_image); convert the images to "
                 ".npy or rebuild with libstb-dev", true};
#else
    auto shape = imageInputShape(model);
    if (!shape)
        return Error{"image folder '" + folder + "': " + shape.message()};
    const auto [channels, height, width] = shape.value();
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        return Error{"image folder '" + folder + "' does not exist or is not a folder"};
    ImageFolder out;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_directory())
            out.classes.push_back(entry.path().filename().string());
    std::sort(out.classes.begin(), out.classes.end());
    if (out.classes.empty())
        return Error{"image folder '" + folder + "' has no sub-folders: put each class's images in a folder of its own"};
    std::vector<uint8_t> pixels;
    std::vector<int64_t> labels;
    const size_t perImage = static_cast<size_t>(channels * height * width);
    for (size_t c = 0; c < out.classes.size(); ++c) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(fs::path(folder) / out.classes[c], ec))
            if (entry.is_regular_file() && isImageFile(entry.path()))
                files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            if (maxImages > 0 && static_cast<int64_t>(labels.size()) >= maxImages)
                break;
            int w = 0, h = 0, stored = 0;
            unsigned char* data = stbi_load(file.c_str(), &w, &h, &stored, static_cast<int>(channels));
            if (!data)
                return Error{"cannot decode image '" + file.string() + "': " + stbi_failure_reason()};
            std::vector<unsigned char> sized(static_cast<size_t>(width * height * channels));
            if (w == width && h == height) {
                std::copy(data, data + sized.size(), sized.begin());
            } else if (!stbir_resize_uint8(data, w, h, 0, sized.data(), static_cast<int>(width),
                                           static_cast<int>(height), 0, static_cast<int>(channels))) {
                stbi_image_free(data);
                return Error{"cannot resize image '" + file.string() + "'"};
            }
            stbi_image_free(data);
            // Interleaved HWC -> planar CHW, the layout of the model's input.
            const size_t at = pixels.size();
            pixels.resize(at + perImage);
            for (int64_t y = 0; y < height; ++y)
                for (int64_t x = 0; x < width; ++x)
                    for (int64_t k = 0; k < channels; ++k)
                        pixels[at + static_cast<size_t>((k * height + y) * width + x)] =
                            sized[static_cast<size_t>((y * width + x) * channels + k)];
            labels.push_back(static_cast<int64_t>(c));
        }
    }
    if (labels.empty())
        return Error{"image folder '" + folder + "' holds no PNG, JPEG, BMP, PGM/PPM, TGA or GIF images"};
    const auto n = static_cast<int64_t>(labels.size());
    out.images = TensorData(at::from_blob(pixels.data(), {n, channels, height, width}, at::kByte).clone());
    out.labels = TensorData(at::from_blob(labels.data(), {n}, at::kLong).clone());
    return out;
#endif
}

Result<LoadedDataset> loadDataset(const PipelineSpec& spec, const DatasetSpec& d, const Model& model) {
    LoadedDataset data;
    data.spec = d;
    if (d.kind == "text") {
        auto text = readText(spec.resolve(d.path));
        if (!text)
            return Error{named(d) + ": " + text.message()};
        data.text = std::move(text.value());
        return data;
    }
    if (d.kind == "synthetic") {
        const int64_t samples = d.samples > 0 ? d.samples : kDefaultSyntheticSamples;
        for (int64_t start = 0; start < samples; start += kSyntheticBatch) {
            auto feeds = syntheticInputs(model, std::min(kSyntheticBatch, samples - start), d.context,
                                         static_cast<uint64_t>(d.seed) * 1000003u + static_cast<uint64_t>(start));
            if (!feeds)
                return Error{named(d) + ": " + feeds.message()};
            data.synthetic.push_back(std::move(feeds.value()));
        }
        return data;
    }
    std::shared_ptr<const ArrayReader> images, labels;
    if (d.kind == "image-folder") {
        auto folder = readImageFolder(spec.resolve(d.path).string(), model, d.samples);
        if (!folder)
            return Error{named(d) + ": " + folder.message(), folder.error().unsupported};
        images = ArrayReader::fromTensor(folder->images, spec.resolve(d.path).string());
        labels = ArrayReader::fromTensor(folder->labels, spec.resolve(d.path).string());
    } else {
        auto opened = ArrayReader::open(spec.resolve(d.images));
        if (!opened)
            return Error{named(d) + ": " + opened.message()};
        images = opened.value();
        if (!d.labels.empty()) {
            auto openedLabels = ArrayReader::open(spec.resolve(d.labels));
            if (!openedLabels)
                return Error{named(d) + ": " + openedLabels.message()};
            labels = openedLabels.value();
            const auto shape = labels->shape();
            if (shape.size() != 1 || shape[0] != images->rows())
                return Error{named(d) + ": the labels " + d.labels + " have shape " + formatShape(shape) + " but the " +
                             std::to_string(images->rows()) + " images need one label each"};
        }
    }
    if (images->shape().empty() || images->rows() == 0)
        return Error{named(d) + ": holds no images"};
    if (d.samples > 0 && d.samples < images->rows()) {
        images = ArrayReader::firstRows(images, d.samples);
        if (labels)
            labels = ArrayReader::firstRows(labels, d.samples);
    }
    if (d.scale != 0) // fed as given: float pixels already multiplied
        images = ArrayReader::scaled(images, d.scale);
    data.images = std::move(images);
    data.labels = std::move(labels);
    return data;
}

Result<CalibrationSet> calibrationFromDataset(const Model& model, const LoadedDataset& data, int64_t samples) {
    Result<CalibrationSet> set = Error{""};
    if (data.isText()) {
        set = calibrationFromText(model, data.text, data.spec.context, samples);
    } else if (data.isSynthetic()) {
        CalibrationSet s;
        for (const auto& feeds : data.synthetic) {
            if (s.samples >= samples)
                break;
            s.batches.push_back(feeds);
            s.samples += feeds.begin()->second.shape().at(0);
        }
        s.source = std::to_string(s.samples) + " synthetic samples";
        set = limitSamples(s, samples);
    } else {
        set = calibrationFromImages(model, *data.images, samples);
    }
    if (!set)
        return Error{named(data.spec) + ": " + set.message()};
    return set;
}

Result<TrainingSet> trainingFromDataset(const Model& model, const LoadedDataset& data) {
    Result<TrainingSet> set = Error{""};
    const int64_t all = int64_t(1) << 40;
    if (data.isText()) {
        set = trainingFromText(model, data.text, data.spec.context, all);
    } else if (data.isSynthetic()) {
        if (data.synthetic.empty() || data.synthetic.front().size() != 1)
            return Error{named(data.spec) + ": synthetic training data needs a model with exactly one input"};
        std::vector<at::Tensor> parts;
        for (const auto& feeds : data.synthetic)
            parts.push_back(feeds.begin()->second.tensor());
        TrainingSet s;
        s.input = data.synthetic.front().begin()->first;
        s.inputs = TensorData(at::cat(parts, 0));
        s.languageModel = !at::isFloatingType(s.inputs.tensor().scalar_type());
        s.source = std::to_string(s.samples()) + " synthetic samples";
        set = std::move(s);
    } else {
        auto images = data.images->readAll();
        if (!images)
            return Error{named(data.spec) + ": " + images.message()};
        TensorData labels;
        if (data.labels) {
            auto read = data.labels->readAll();
            if (!read)
                return Error{named(data.spec) + ": " + read.message()};
            labels = read.value();
        }
        set = trainingFromImages(model, images.value(), labels, all);
    }
    if (!set)
        return Error{named(data.spec) + ": " + set.message()};
    return set;
}

} // namespace autoglm

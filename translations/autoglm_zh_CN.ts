<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>autoglm::widgets::LayerTableModel</name>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Op</source>
        <translation>算子</translation>
    </message>
    <message>
        <source>Input shape</source>
        <translation>输入形状</translation>
    </message>
    <message>
        <source>Output shape</source>
        <translation>输出形状</translation>
    </message>
    <message>
        <source>Weight shape</source>
        <translation>权重形状</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>MACs</source>
        <translation>乘加次数</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>字节</translation>
    </message>
</context>
<context>
    <name>autoglm::widgets::ModelInspector</name>
    <message>
        <source>Filter layers by name or op…</source>
        <translation>按名称或算子筛选层…</translation>
    </message>
    <message>
        <source>Inputs: %1&lt;br&gt;Outputs: %2&lt;br&gt;</source>
        <translation>输入：%1&lt;br&gt;输出：%2&lt;br&gt;</translation>
    </message>
    <message>
        <source>Parameters: %1 · Weights: %2 · File: %3 · Opset: %4 · Producer: %5</source>
        <translation>参数量：%1 · 权重：%2 · 文件：%3 · 算子集：%4 · 生成工具：%5</translation>
    </message>
    <message>
        <source>MACs: %1 (for %2)</source>
        <translation>乘加次数：%1（输入 %2）</translation>
    </message>
    <message>
        <source>Drop an ONNX model or a Hugging Face checkpoint folder here, or use File ▸ Open.</source>
        <translation>将 ONNX 模型或 Hugging Face 检查点文件夹拖放到此处，或使用 文件 ▸ 打开。</translation>
    </message>
</context>
<context>
    <name>autoglm::studio::MainWindow</name>
    <message>
        <source>Open-AutoGLM Studio</source>
        <translation>Open-AutoGLM Studio</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>%1 — Open-AutoGLM Studio</source>
        <translation>%1 — Open-AutoGLM Studio</translation>
    </message>
    <message numerus="yes">
        <source>Loaded %1: %n layer(s)</source>
        <translation>
            <numerusform>已加载 %1：%n 层</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>Could not open model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Open &amp;Checkpoint Folder…</source>
        <translation>打开检查点文件夹(&amp;C)…</translation>
    </message>
    <message>
        <source>Open Hugging Face Checkpoint Folder</source>
        <translation>打开 Hugging Face 检查点文件夹</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About Open-AutoGLM Studio</source>
        <translation>关于 Open-AutoGLM Studio</translation>
    </message>
    <message>
        <source>Open-AutoGLM Studio 0.1: inspect ONNX models and Hugging Face checkpoints. Compression passes, the pipeline canvas and trade-off plots are not part of this version yet.</source>
        <translation>Open-AutoGLM Studio 0.1：检查 ONNX 模型和 Hugging Face 检查点。压缩流程、流水线画布和权衡图尚未包含在此版本中。</translation>
    </message>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Models (*.onnx config.json *.safetensors);;All files (*)</source>
        <translation>模型 (*.onnx config.json *.safetensors);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Compress models: inspect, prune, quantize.</source>
        <translation>压缩模型：检查、剪枝、量化。</translation>
    </message>
    <message>
        <source>Model to open (.onnx file or Hugging Face checkpoint folder).</source>
        <translation>要打开的模型（.onnx 文件或 Hugging Face 检查点文件夹）。</translation>
    </message>
</context>
</TS>

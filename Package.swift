// swift-tools-version:6.0
// attnlab: see the module table in README.md. Dependencies point one way:
// CBLAS -> TensorCore -> Transformer -> Experiments;  Transformer -> Training;  CPNG -> Heatmap;
// Experiments + Training + Heatmap -> Reports (figures and files, written all or nothing);
// Transformer + Tokenizers -> Checkpoints (folders on disk); Classroom (no model knowledge; lesson pages through Ink); Tokenizers (tokenizer.json -> ids, Foundation only);
// AttnlabCLI uses them all; the `attnlab` executable is one line on top of it.
import PackageDescription

let package = Package(
    name: "attnlab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "attnlab", targets: ["attnlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/JohnSundell/Ink", exact: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .target(name: "TensorCore", dependencies: ["CBLAS"]),
        .target(name: "Transformer", dependencies: ["TensorCore"]),
        .target(name: "Heatmap", dependencies: ["CPNG"]),
        // Built-in training tasks generated from a seed, the AdamW optimiser and its schedule.
        .target(name: "Training", dependencies: ["TensorCore", "Transformer"]),
        // What a lesson or a test asks of a model, as typed results: probes, checks, rank, traces.
        .target(name: "Experiments", dependencies: ["TensorCore", "Transformer"]),
        // Recordings and results turned into files: figures, .npy exports, sets written all or nothing.
        .target(name: "Reports", dependencies: ["TensorCore", "Transformer", "Experiments", "Training", "Heatmap"]),
        // The lessons ship inside the binary's resource bundle, so an installed attnlab works anywhere.
        .target(name: "Classroom", dependencies: [.product(name: "Ink", package: "Ink")],
                resources: [.copy("../../Lessons")]),
        // Checkpoint folders (config.json, model.safetensors, tokenizer.json), GPT-2's layout when the model fits it.
        .target(name: "Checkpoints", dependencies: ["TensorCore", "Transformer", "Tokenizers"]),
        // Hugging Face tokenizer.json files (WordPiece, BPE, Unigram, WordLevel) giving the ids `tokenizers` gives.
        .target(name: "Tokenizers"),
        .target(name: "AttnlabCLI", dependencies: [
            "TensorCore", "Transformer", "Experiments", "Heatmap", "Reports", "Training", "Checkpoints", "Classroom",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "attnlab", dependencies: ["AttnlabCLI"]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "TransformerTests", dependencies: ["Transformer"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "HeatmapTests", dependencies: ["Heatmap"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Transformer", "TensorCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Transformer", "TensorCore"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Experiments", "Transformer", "TensorCore", "Heatmap"]),
        .testTarget(name: "ClassroomTests", dependencies: ["Classroom"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "Transformer", "TensorCore", "Experiments"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "AttnlabCLITests", dependencies: ["AttnlabCLI", "Heatmap", "Transformer", "Checkpoints", "Training"]),
    ]
)

import Foundation
import Heatmap
import Reports

// Each draws one picture to `path` (whole or not at all), says where, and, in a lesson, hands the
// file and its title to the lesson's page. Commands check the path with
// `OutputOptions.checkPictureFile` before their work; this checks again, since time has passed.

func writePicture(_ figure: MatrixFigure, to path: String) throws {
    try writePicture(Heatmap.render(figure), titled: figure.title, to: path)
}

func writePicture(_ plot: LinePlot, to path: String) throws {
    try writePicture(plot.render(), titled: plot.title, to: path)
}

/// Plots one above the other, titled by the first.
func writePicture(stacked plots: [LinePlot], to path: String) throws {
    try writePicture(LinePlot.render(stacked: plots), titled: plots.first?.title ?? "", to: path)
}

private func writePicture(_ canvas: Canvas, titled title: String, to path: String) throws {
    _ = try OutputSet.writing { files in try files.write(PNG.encode(canvas), to: path) }
    Console.say("wrote \(path)")
    RunContext.wrotePicture(path, title: title)
}

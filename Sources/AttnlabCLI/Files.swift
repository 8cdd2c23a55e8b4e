import Foundation
import Heatmap
import Reports

/// Draws one picture to `path` (whole or not at all) and says where. Commands check the path with
/// `OutputOptions.checkPictureFile` before their work; this checks again, since time has passed.
func writePicture(_ canvas: Canvas, to path: String) throws {
    _ = try OutputSet.writing { files in try files.write(PNG.encode(canvas), to: path) }
    Console.say("wrote \(path)")
}

/// What the presenter itself says around a lesson (step headings, prompts, notes), in the
/// lesson's language, so that a Chinese lesson is not framed in English.
public struct PresenterWords: Sendable {
    var stepHeading: @Sendable (_ number: Int, _ count: Int, _ title: String) -> String
    var endOfLesson: String
    var needs: @Sendable (_ name: String, _ howTo: String) -> String
    public internal(set) var skipped: @Sendable (_ name: String, _ command: String) -> String
    var more: String
    var continued: String
    var restHidden: @Sendable (_ step: Int) -> String
    var start, next, finish: String
    var keyPrompt: @Sendable (_ next: String, _ last: Int) -> String
    var typedStep: @Sendable (_ digits: String) -> String
    var linePrompt: @Sendable (_ next: String, _ last: Int) -> String
    var lineHelp: @Sendable (_ last: Int) -> String

    /// The words for a language code (`zh`, `zh-Hans`); English for any other.
    public static func of(_ language: String) -> PresenterWords {
        language.hasPrefix("zh") ? chinese : english
    }

    public static let english = PresenterWords(
        stepHeading: { "## Step \($0) of \($1): \($2)" },
        endOfLesson: "End of the lesson.",
        needs: { "This needs \($0): \($1). The commands that need it are skipped." },
        skipped: { "skipped (needs \($0)): \($1)" },
        more: "-- more: any key goes on, q skips the rest of this step --",
        continued: " (continued)",
        restHidden: { "(the rest of this step is not shown: press \($0) to see it again)" },
        start: "start", next: "next", finish: "finish",
        keyPrompt: { "→ space Enter: \($0) · ← b: back · 1-\($1): jump · q: quit" },
        typedStep: { "  step \($0)_ (Enter to go)" },
        linePrompt: { "[Enter] \($0), b back, 1-\($1) jump, q quit > " },
        lineHelp: { "Type Enter for the next step, b to go back, a step number 1-\($0), or q to quit." })

    public static let chinese = PresenterWords(
        stepHeading: { "## 第 \($0) 步（共 \($1) 步）：\($2)" },
        endOfLesson: "本课结束。",
        needs: { "这一步需要 \($0)：\($1)。需要它的命令先跳过。" },
        skipped: { "已跳过（需要 \($0)）：\($1)" },
        more: "-- 还有：按任意键继续，q 跳过这一步余下的内容 --",
        continued: "（续）",
        restHidden: { "（这一步余下的内容没有显示：按 \($0) 重新查看）" },
        start: "开始", next: "下一步", finish: "结束",
        keyPrompt: { "→ 空格 回车：\($0) · ← b：上一步 · 1-\($1)：跳到某步 · q：退出" },
        typedStep: { "  第 \($0)_ 步（回车跳转）" },
        linePrompt: { "[回车] \($0)，b 上一步，1-\($1) 跳到某步，q 退出 > " },
        lineHelp: { "按回车进入下一步，b 回到上一步，输入 1-\($0) 跳到那一步，q 退出。" })
}

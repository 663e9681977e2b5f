import CCmark

/// Markdown to HTML with libcmark. `CMARK_OPT_SAFE` (the default since cmark 0.29 too) replaces raw HTML
/// and `javascript:` links, so guidelines and conversation turns cannot inject script.
public enum Markdown {
    public static func html(_ markdown: String) -> String {
        let options = CMARK_OPT_SAFE | CMARK_OPT_SMART
        let length = markdown.utf8.count
        guard let rendered = cmark_markdown_to_html(markdown, length, options) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }
}

/// The files some trainers need beside the data to read it: LLaMA-Factory's `dataset_info.json` (every dataset is
/// declared there, with its columns and role tags) and a stanza for an Axolotl config (`axolotl.yaml`).
public enum TrainerConfig {
    /// Every side file an export may write (an export for another target removes the ones it does not write).
    public static let names = ["dataset_info.json", "axolotl.yaml"]

    /// The side files for an export with `settings` that wrote `written` (split and file name), as name and text.
    public static func files(for settings: ExportSettings, written: [(split: ExportPlan.Split, name: String)]) -> [(String, String)] {
        let preference = settings.format == .dpo
        // The hold-out stays out of training: only train and validation are declared.
        let declared = written.filter { $0.split != .holdout }
        switch settings.target {
        case .llamaFactory:
            var columns: JSONValue = ["messages": "conversations", "system": "system", "tools": "tools"]
            if preference, case .object(var members) = columns {
                members += [(key: "chosen", value: "chosen"), (key: "rejected", value: "rejected")]
                columns = .object(members)
            }
            let tags: JSONValue = ["role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                                   "observation_tag": "observation", "function_tag": "function_call"]
            let info = JSONValue.object(declared.map { file in
                (key: "quorum_\(file.split.rawValue)",
                 value: ["file_name": .string(file.name), "formatting": "sharegpt", "ranking": .bool(preference), "columns": columns, "tags": tags])
            })
            return [("dataset_info.json", info.jsonText + "\n")]
        case .axolotl:
            func stanza(_ file: String) -> String {
                preference
                    ? "  - path: \(file)\n    ds_type: json\n    split: train\n    type: chat_template.default\n    field_messages: messages\n    field_chosen: chosen\n    field_rejected: rejected\n"
                    : "  - path: \(file)\n    ds_type: json\n    split: train\n    type: chat_template\n    field_messages: messages\n    field_tools: tools\n"
                        + "    roles_to_train: [\"assistant\"]\n    # a turn's \"weight\" (0 or 1) says whether it is trained\n    message_field_training: weight\n"
            }
            var text = "# Written by quorum export --target axolotl: merge into your Axolotl config.\n"
            if preference { text += "rl: dpo\n" }
            if let train = declared.first(where: { $0.split == .train }) { text += "datasets:\n" + stanza(train.name) }
            if let validation = declared.first(where: { $0.split == .validation }) { text += "test_datasets:\n" + stanza(validation.name) }
            return [("axolotl.yaml", text)]
        default:
            return []
        }
    }
}

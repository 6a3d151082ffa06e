//! The inbox's keyboard shortcuts: which key does what, and the list the "?" overlay shows.
//! Keys act only when no text field has the focus (except Esc, which leaves it).

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    NextConversation,
    PreviousConversation,
    Take,
    Resolve,
    Transfer,
    Reply,
    SavedReply,
    FocusSearch,
    Help,
    Close,
}

/// Every shortcut with its key as shown and what it does, in the overlay's order.
pub const SHORTCUTS: [(&str, Shortcut, &str); 10] = [
    ("j", Shortcut::NextConversation, "Próxima conversa da lista"),
    (
        "k",
        Shortcut::PreviousConversation,
        "Conversa anterior da lista",
    ),
    ("a", Shortcut::Take, "Assumir a conversa aberta"),
    ("e", Shortcut::Resolve, "Resolver a conversa aberta"),
    ("t", Shortcut::Transfer, "Transferir a conversa aberta"),
    ("r", Shortcut::Reply, "Escrever a resposta"),
    ("s", Shortcut::SavedReply, "Inserir uma resposta pronta"),
    ("/", Shortcut::FocusSearch, "Buscar conversas"),
    ("?", Shortcut::Help, "Mostrar estes atalhos"),
    (
        "Esc",
        Shortcut::Close,
        "Fechar este painel ou sair do campo",
    ),
];

/// The keys of the reply box, shown under the list's shortcuts.
pub const COMPOSER_KEYS: [(&str, &str); 3] = [
    ("Enter", "Enviar a resposta (ou salvar a nota)"),
    ("Shift+Enter", "Quebrar a linha"),
    ("/ no início", "Respostas prontas"),
];

impl Shortcut {
    /// The shortcut for a key pressed (`KeyboardEvent.key`), with no Ctrl, Alt or Meta held.
    pub fn for_key(key: &str) -> Option<Shortcut> {
        match key {
            "Escape" => Some(Shortcut::Close),
            "ArrowDown" => Some(Shortcut::NextConversation),
            "ArrowUp" => Some(Shortcut::PreviousConversation),
            k => SHORTCUTS
                .iter()
                .find(|(shown, _, _)| shown.eq_ignore_ascii_case(k))
                .map(|(_, s, _)| *s),
        }
    }
}

/// The conversation `step` places from `current` in `ids` (the list's order); the first one
/// when none is open, and nothing past either end.
pub fn step_in<T: PartialEq + Copy>(ids: &[T], current: Option<T>, step: isize) -> Option<T> {
    let here = current.and_then(|c| ids.iter().position(|i| *i == c));
    let next = match here {
        None => 0,
        Some(i) => i.checked_add_signed(step)?,
    };
    ids.get(next).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_listed_key_does_what_the_overlay_says() {
        for (key, shortcut, _) in SHORTCUTS {
            let key = if key == "Esc" { "Escape" } else { key };
            assert_eq!(Shortcut::for_key(key), Some(shortcut), "{key}");
        }
        assert_eq!(Shortcut::for_key("J"), Some(Shortcut::NextConversation));
        assert_eq!(Shortcut::for_key("x"), None);
        assert_eq!(Shortcut::for_key("Enter"), None);
    }

    #[test]
    fn stepping_stays_inside_the_list() {
        let ids = [1, 2, 3];
        assert_eq!(step_in(&ids, None, 1), Some(1), "none open: the first");
        assert_eq!(step_in(&ids, Some(1), 1), Some(2));
        assert_eq!(step_in(&ids, Some(3), 1), None);
        assert_eq!(step_in(&ids, Some(1), -1), None);
        assert_eq!(step_in(&ids, Some(3), -1), Some(2));
        assert_eq!(
            step_in(&ids, Some(9), 1),
            Some(1),
            "not in the list: the first"
        );
        assert_eq!(step_in::<i32>(&[], None, 1), None);
    }
}

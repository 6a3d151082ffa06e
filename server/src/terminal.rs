//! Reading a new password for a command: typed twice, unseen, on a terminal; or two lines of
//! standard input when it is not one (scripts, `printf 'x\nx\n' | server user create …`).

use std::io::{BufRead, IsTerminal};

pub fn new_password() -> anyhow::Result<String> {
    let (first, second) = if std::io::stdin().is_terminal() {
        (
            rpassword::prompt_password("Senha: ")?,
            rpassword::prompt_password("Repita a senha: ")?,
        )
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || -> anyhow::Result<String> {
            lines
                .next()
                .transpose()?
                .ok_or_else(|| anyhow::anyhow!("esperava a senha em duas linhas da entrada padrão"))
        };
        (next()?, next()?)
    };
    anyhow::ensure!(first == second, "as duas senhas não conferem");
    Ok(first)
}

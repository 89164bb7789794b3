//! The browser entry point. Pages are rendered on the server and never
//! hydrated as a whole: this only starts the reactive runtime, after which the
//! loader hydrates each island on the page (`app::shell::FormBehaviour`).

// Links the islands' exported hydration functions into this module.
#[allow(unused_imports)]
use app::ui::FormBehaviour;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

"""Which conversation takes what a chat types next: the one that asked last.

Each conversation that waits for typed text (or a photo, a document, a contact) declares it in
one place, beside its handlers: a StatesGroup of its own, and its typed-input handler registered
under that state with the content it accepts. Asking for typed text makes that state the chat's
(`listen`), which takes over from whichever conversation asked before; leaving for another
screen (a command, the menu) lets nobody listen (`stop_listening`), and what is typed then gets
the menu. The conversations' own data stay under their own destinies, untouched: a draft, an
envelope or a questionnaire waits until its conversation is opened again."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State


async def listen(state: FSMContext, listener: State) -> None:
    """From now on, what this chat types goes to `listener`'s conversation."""
    if await state.get_state() != listener.state:
        await state.set_state(listener)


async def stop_listening(state: FSMContext, listener: State | None = None) -> None:
    """Nobody takes typed text any more; with `listener`, only if it was the one listening
    (a conversation ending does not silence another that asked since)."""
    current = await state.get_state()
    if current is not None and (listener is None or current == listener.state):
        await state.set_state(None)


async def listening(state: FSMContext, listener: State) -> bool:
    return await state.get_state() == listener.state

// Drag an appointment block to another time or provider column (provider calendar).
//
// Pointer events: a mouse or pen drags after a few pixels of movement; a finger after a short
// press and hold (so a swipe still scrolls the calendar). While dragging, a ghost block shows
// where it would land, snapped to the grid (15 minutes), and the block itself is dimmed. On
// release, `onDrop` gets the target; a click that ended a drag does not also open the dialog.
// Keyboard users move appointments with the dialog's Move button instead.

const MOUSE_THRESHOLD_PX = 5;
const TOUCH_HOLD_MS = 350;
const TOUCH_SLOP_PX = 8;

/**
 * options: {
 *   snap: minutes of the grid (15),
 *   geometry(): {low, pxPerMinute, topPad}  — how the grid maps minutes to pixels,
 *   columns(): the drop targets (.cal-col nodes with data-date and data-provider-id),
 *   label(target): the ghost's text,
 *   onStart(), onDrop(target | null) — target: {date, minutes, providerId, column}
 * }
 */
export function makeDraggable(node, options) {
  let press = null; // {id, x, y, type, timer, active, grabOffset, origin, ghost, target}
  let swallowClick = false;

  const clear = () => {
    if (!press) return;
    clearTimeout(press.timer);
    press.ghost?.remove();
    node.classList.remove("drag-source");
    document.body.classList.remove("dragging-appointment");
    press = null;
  };

  const targetAt = (x, y) => {
    const { low, pxPerMinute, topPad } = options.geometry();
    const columns = options.columns();
    let column = columns.find((c) => {
      const r = c.getBoundingClientRect();
      return x >= r.left && x < r.right;
    });
    if (!column) return null;
    const rect = column.getBoundingClientRect();
    const top = y - press.grabOffset - rect.top;
    const raw = low + (top - topPad) / pxPerMinute;
    const minutes = Math.max(0, Math.min(24 * 60 - options.snap, Math.round(raw / options.snap) * options.snap));
    return {
      column,
      date: column.dataset.date,
      providerId: Number(column.dataset.providerId),
      minutes,
      top: (minutes - low) * pxPerMinute + topPad,
    };
  };

  const begin = () => {
    press.active = true;
    node.classList.add("drag-source");
    document.body.classList.add("dragging-appointment");
    try {
      node.setPointerCapture(press.id);
    } catch {
      /* the pointer is gone already */
    }
    options.onStart?.();
    const ghost = node.cloneNode(false);
    ghost.className = `${node.className} drag-ghost`.replace("drag-source", "");
    for (const name of ["data-testid", "data-appointment-id", "id", "tabindex", "aria-label"]) ghost.removeAttribute(name);
    ghost.setAttribute("aria-hidden", "true");
    ghost.dataset.testid = "drag-ghost";
    ghost.style.left = "2px";
    ghost.style.width = "calc(100% - 4px)";
    press.ghost = ghost;
  };

  const moveTo = (x, y) => {
    const target = targetAt(x, y);
    press.target = target;
    if (!target) {
      press.ghost.remove();
      return;
    }
    if (press.ghost.parentNode !== target.column) target.column.append(press.ghost);
    press.ghost.style.top = `${target.top}px`;
    press.ghost.textContent = options.label(target);
  };

  node.addEventListener("pointerdown", (event) => {
    if (press || event.button !== 0 || !event.isPrimary) return;
    const rect = node.getBoundingClientRect();
    press = {
      id: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      type: event.pointerType,
      grabOffset: event.clientY - rect.top,
      active: false,
      timer: null,
      ghost: null,
      target: null,
    };
    if (event.pointerType === "touch") {
      press.timer = setTimeout(() => {
        if (!press || press.active) return;
        begin();
        moveTo(press.x, press.y);
      }, TOUCH_HOLD_MS);
    }
  });

  node.addEventListener("pointermove", (event) => {
    if (!press || event.pointerId !== press.id) return;
    const distance = Math.hypot(event.clientX - press.x, event.clientY - press.y);
    if (!press.active) {
      if (press.type === "touch") {
        if (distance > TOUCH_SLOP_PX) clear(); // a swipe: let the page scroll
        return;
      }
      if (distance < MOUSE_THRESHOLD_PX) return;
      begin();
    }
    event.preventDefault();
    moveTo(event.clientX, event.clientY);
  });

  // A finger that held still long enough drags instead of scrolling.
  node.addEventListener(
    "touchmove",
    (event) => {
      if (press && press.active) event.preventDefault();
    },
    { passive: false },
  );

  node.addEventListener("pointerup", (event) => {
    if (!press || event.pointerId !== press.id) return;
    const { active, target } = press;
    clear();
    if (!active) return;
    swallowClick = true;
    setTimeout(() => {
      swallowClick = false;
    }, 400);
    options.onDrop(target);
  });

  node.addEventListener("pointercancel", () => {
    const wasActive = press && press.active;
    clear();
    if (wasActive) options.onDrop(null);
  });

  node.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" && press && press.active) {
        clear();
        options.onDrop(null);
      }
    },
  );

  // The click that ends a drag must not open the appointment (capture: runs before onclick).
  node.addEventListener(
    "click",
    (event) => {
      if (swallowClick) {
        swallowClick = false;
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  node.addEventListener("contextmenu", (event) => {
    if (press && press.type === "touch") event.preventDefault();
  });
}

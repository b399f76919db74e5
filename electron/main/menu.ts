/**
 * The application menu (issue 4 §2). Every item sends a named command to the renderer through
 * the preload's `onMenu`; the renderer does the work. A plain template, so tests can read it.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../shared/api';

/** Builds the menu template; `send` delivers a command to the focused renderer. */
export function menuTemplate(
  send: (command: MenuCommand) => void,
  options: { isMac: boolean; devTools: boolean },
): MenuItemConstructorOptions[] {
  const item = (
    label: string,
    command: MenuCommand,
    accelerator?: string,
  ): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send(command),
  });
  const view: MenuItemConstructorOptions[] = [
    item('Fit', 'view-fit', 'CmdOrCtrl+0'),
    item('Collapse All', 'view-collapse-all', 'CmdOrCtrl+Shift+C'),
    item('Expand All', 'view-expand-all', 'CmdOrCtrl+Shift+E'),
    item('Heat Map', 'view-heat-map', 'CmdOrCtrl+Shift+H'),
  ];
  if (options.devTools) {
    view.push({ type: 'separator' }, { role: 'toggleDevTools' });
  }
  return [
    ...(options.isMac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: 'File',
      submenu: [
        item('Open…', 'file-open', 'CmdOrCtrl+O'),
        { type: 'separator' },
        item('Export PNG…', 'export-png', 'CmdOrCtrl+Shift+P'),
        item('Export SVG…', 'export-svg'),
        item('Export Summary…', 'export-summary', 'CmdOrCtrl+Shift+S'),
        item('Export Trace…', 'export-trace', 'CmdOrCtrl+Shift+T'),
        { type: 'separator' },
        { role: options.isMac ? 'close' : 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    {
      label: 'Help',
      submenu: [item('About ResNeXt Inspector', 'help-about'), item('Backends', 'help-backends')],
    },
  ];
}

// The cross-engine scenarios in WebKitGTK (MiniBrowser under Xvfb, over WebKitWebDriver).
import { runEngine } from './scenarios';
import { launchWebKit } from './webdriver';

runEngine('webkit', launchWebKit);
